"""A forking server whose parent closes its duplicate sends FIN after the response, at the child's delay.

After fork() parent and child each hold the client socket. The parent closes its copy
at once, so the child's close is the last one: the FIN leaves when the child closes,
before the client's FIN, the configured delay after the last response byte.
"""

import pytest
from expectations import BODY, CLOSE_DELAYS, STATUS, TARGET

from wirecheck import checks
from wirecheck.checks._timing import Tolerance
from wirecheck.clients._requests import curl

CURL_SLACK_SECONDS = 5.0
# The child closes right after its sendall, but its close waits for the scheduler: with six test workers on two
# cores its FIN left 5.7 ms after the response (a fresh clone's CI, 2026-12-04), past the 4 ms floor. What this
# test tells apart is a FIN at the child's delay from none (the parent's duplicate, test_fin_unclosed_descriptors).
SCHEDULING_FLOOR_SECONDS = 0.02


@pytest.mark.parametrize("delay", CLOSE_DELAYS, ids=lambda delay: f"delay={delay:g}s")
def test_server_fin_follows_response_after_the_delay_then_client_fin(wire, delay):
    server = wire.serve("forking", delay=delay)
    fetched = curl(server.url(TARGET), delay + CURL_SLACK_SECONDS)
    connection, = wire.connections(1)
    tolerance = Tolerance(max(wire.tolerance.floor, SCHEDULING_FLOOR_SECONDS), wire.tolerance.fraction)
    wire.expect(checks.server_closes(connection, delay=delay, tolerance=tolerance))
    assert connection.state == "SF", f"expected the connection to end SF, it ended {connection.state}"
    assert fetched.returncode == 0, f"expected curl to exit 0, it exited {fetched.returncode}: {fetched.stderr}"
    assert fetched.output.endswith(b"\r\n\r\n" + BODY), f"expected curl to get the whole body, got {fetched.output!r}"
    wire.expect(checks.http_exchange(connection, TARGET, STATUS, BODY))
