"""A forking server whose parent keeps its duplicate never sends FIN until the server exits.

The child answers and closes its copy, but the parent's copy keeps the socket open:
the response arrives complete and then nothing. curl, waiting for the end of a body
without Content-Length, gives up at its time limit; its FIN is ACKed by the kernel
but not answered. When the server process is terminated, its descriptors close and
the server's FIN finally appears on the wire.
"""

import time

from expectations import BODY, UNCLOSED_OBSERVATION_SECONDS

from wirecheck import checks
from wirecheck.checks._timing import ACK_SETTLE_SECONDS
from wirecheck.clients._requests import CURL_TIMED_OUT, curl


def test_no_server_fin_until_the_server_exits_though_the_client_gave_up(wire):
    session = wire.serve("forking_unclosed")
    fetched = curl(session.url(), UNCLOSED_OBSERVATION_SECONDS)
    time.sleep(ACK_SETTLE_SECONDS)  # let the server's ACK of curl's FIN out before ending the server
    session.server.stop()
    connection, = wire.connections(1)
    terminated_at, exited_at = session.server.terminated_at, session.server.exited_at
    wire.expect(checks.client_fin_acknowledged_unanswered(connection, before=terminated_at))
    wire.expect(checks.server_fin_between(connection, terminated_at, exited_at,
                                               "the server process's termination", wire.tolerance))
    assert fetched.returncode == CURL_TIMED_OUT, (
        f"expected curl to time out (exit {CURL_TIMED_OUT}), it exited {fetched.returncode}: {fetched.stderr}")
    assert fetched.output.endswith(b"\r\n\r\n" + BODY), (
        f"expected curl to have received the whole body before timing out, got {fetched.output!r}")
