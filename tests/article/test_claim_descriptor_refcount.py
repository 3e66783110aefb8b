"""The forking server's parent closes its copy of the connection, the child still reads the request and
answers, and the FIN leaves only when the child closes the last copy.

After fork() parent and child each hold a descriptor of the same socket; the kernel ends
the connection (sends FIN) when the last descriptor is closed, not the first. Here the
client connects and sends nothing until the process table shows the parent's copy gone
and the child's alone (which processes hold a descriptor of this socket pair); only then
does it send its request. The wire shows nothing from the server at the parent's close,
the child's answer to the later request, and the FIN one child delay after that answer;
the process table shows the child's copy alone during that delay, and no copy once the
FIN has come.
"""

import socket
import time

from claim_helpers import broken_server, note_process
from expectations import BODY, STATUS, TARGET

from wirecheck import checks
from wirecheck.checks import _several_connections as claims
from wirecheck.clients._requests import read_until_closed, request_bytes
from wirecheck.server._waiting import wait_until

# The child's delay between its response and its close: time to read the process table meanwhile,
# and the gap at which the FIN is expected.
DELAY = 0.3
# How long the parent's copy may take to leave the process table: it closes it right after fork(),
# a few milliseconds here; a bound, not a wait, unless the parent never closes.
HOLDERS_SECONDS = 2.0
# How long the client waits for the server's FIN past the child's delay before giving up: far past the
# moment it is due, so a FIN that merely came late would still be seen (and fail the timing check).
FIN_SLACK_SECONDS = 1.0


def copies(session, client_port: int) -> list[tuple[int, int]]:
    return session.server.view.holders(session.port, client_port)


def child_alone(session, client_port: int) -> list[tuple[int, int]]:
    """The copies of the connection once the parent holds none (or, past HOLDERS_SECONDS, whatever they are)."""
    def parent_gone() -> list[tuple[int, int]]:
        found = copies(session, client_port)
        return found if found and session.server.pid not in {pid for pid, _ in found} else []
    return wait_until(parent_gone, HOLDERS_SECONDS) or copies(session, client_port)


def describe(session, found: list[tuple[int, int]]) -> str:
    names = {session.server.pid: "the parent"}
    return ", ".join(f"{names.get(pid, 'child')} {pid} (descriptor {fd})" for pid, fd in found) or "no process"


def request_once_the_child_holds_the_last_copy(session) -> tuple[float, list, list, list]:
    """Connect, wait for the parent's copy to go, send; the copies before the request, during the child's delay,
    and after the server's FIN, with the moment the parent's copy was seen gone."""
    with socket.create_connection(("127.0.0.1", session.port), timeout=DELAY + FIN_SLACK_SECONDS) as client:
        client_port = client.getsockname()[1]
        before = child_alone(session, client_port)
        parent_closed_at = time.time()
        client.sendall(request_bytes(TARGET, "127.0.0.1", session.port))
        client.recv(65536)  # the response (or the end): the child is now in its delay
        during = copies(session, client_port)
        try:
            read_until_closed(client)
        except TimeoutError:
            pass  # no FIN: the wire check says so
        after = copies(session, client_port)
    return parent_closed_at, before, during, after


def test_parent_closes_its_copy_then_the_child_reads_and_answers_then_fin_follows_the_childs_close(wire):
    session = wire.serve("forking", delay=DELAY)
    parent_closed_at, before, during, after = request_once_the_child_holds_the_last_copy(session)
    connection, = wire.connections(1)
    client, server = connection.sent_by_client, connection.sent_by_server
    note_process(wire, client.first_data, f"before this request the connection is held by {describe(session, before)}")
    note_process(wire, server.last_data, f"during the child's delay it is held by {describe(session, during)}")
    note_process(wire, server.fin, f"after this FIN it is held by {describe(session, after)}")
    wire.expect(claims.fin_follows_last_close(connection, parent_closed_at, DELAY, wire.tolerance))
    wire.expect(checks.http_exchange(connection, TARGET, STATUS, BODY))
    holders = {pid for pid, _ in before}
    assert len(before) == 1 and session.server.pid not in holders, (
        f"expected one copy, the child's, before the request; held by {describe(session, before)}")
    assert during == before, (f"expected the child's copy alone during its delay ({describe(session, before)}), "
                              f"held by {describe(session, during)}")
    assert not after, f"expected no copy left after the server's FIN, held by {describe(session, after)}"


def test_refcount_claim_fails_when_the_parent_shuts_the_connection_down(wire):
    session = wire.serve_command(broken_server("forking_parent_shuts_down", "--delay", f"{DELAY:g}"))
    parent_closed_at, *_ = request_once_the_child_holds_the_last_copy(session)
    connection, = wire.connections(1)
    verdict = claims.fin_follows_last_close(connection, parent_closed_at, DELAY, wire.tolerance)
    assert verdict.kinds == ["server-fin-early", "no-response"], verdict.problems
