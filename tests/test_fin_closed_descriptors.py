"""A forking server whose parent closes its duplicate sends FIN after the response, at the child's delay.

After fork() parent and child each hold the client socket. The parent closes its copy
at once, so the child's close is the last one: the FIN leaves when the child closes,
before the client's FIN, the configured delay after the last response byte.
"""

import pytest
from expectations import BODY, CLOSE_DELAYS, STATUS, TARGET

from wirecheck import checks
from wirecheck.clients import curl

CURL_SLACK_SECONDS = 5.0


@pytest.mark.parametrize("delay", CLOSE_DELAYS, ids=lambda delay: f"delay={delay:g}s")
def test_server_fin_follows_response_after_the_delay_then_client_fin(wire, delay):
    server = wire.serve("forking", delay=delay)
    fetched = curl(server.url(TARGET), delay + CURL_SLACK_SECONDS)
    connection, = wire.connections(1)
    wire.expect(checks.server_closes(connection, delay=delay, tolerance=wire.tolerance))
    assert connection.state == "SF", f"expected the connection to end SF, it ended {connection.state}"
    assert fetched.returncode == 0, f"expected curl to exit 0, it exited {fetched.returncode}: {fetched.stderr}"
    assert fetched.output.endswith(b"\r\n\r\n" + BODY), f"expected curl to get the whole body, got {fetched.output!r}"
    wire.expect(checks.http_exchange(connection, TARGET, STATUS, BODY))
