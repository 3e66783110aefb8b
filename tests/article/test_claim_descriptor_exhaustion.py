"""Under a low open-files limit the unclosed forking server (3d) serves as many clients as it has free
descriptors, then dies of EMFILE and later clients are refused; the closed one (3c) serves ten times as many, all SF.

The limit (RLIMIT_NOFILE) is set for the server alone. The article's 3d parent keeps its
copy of every client socket, so each connection costs it one descriptor for good: the
process table counts one more before each client. The server does not even wait for a
client too many: Linux's accept() takes a free descriptor before it waits for a
connection, so as soon as the last one is taken the next accept() fails with EMFILE
(Python raises OSError, the loop has no handler) and the server exits with status 1.
On the wire: every client served so far gets its server FIN only then, when the dying
process's descriptors close; a client that connects afterwards is refused (RST to its
SYN: nothing listens). One that connected while the process was still dying would have
had its handshake completed by the kernel and then been reset; the test waits for the
exit before trying, so that race does not occur. The 3c parent closes its copy, so its
count never grows and it serves on.
"""

import socket

import pytest
from claim_helpers import note_process
from expectations import BODY, STATUS, TARGET

from wirecheck import checks
from wirecheck.checks import _several_connections as claims
from wirecheck.clients._requests import request_bytes
from wirecheck.render._ladder import ladder

# RLIMIT_NOFILE for the server only. Python starts with 4 descriptors open (standard input, output and
# error, the listening socket), which leaves 12 for connections: few enough for a short test.
OPEN_FILES_LIMIT = 16
# The claim: the server that closes its copies serves ten times as many under the same limit.
CLOSED_FACTOR = 10
# Clients tried once the server has died: each is refused; two show that it is for good.
TURNED_AWAY = 2
# How long the server may take to exit once accept() has failed; it takes a few milliseconds.
EXIT_SECONDS = 5.0
# A bound on one client's exchange (a few milliseconds each here).
CLIENT_SECONDS = 5.0


def one_client(port: int, until_closed: bool) -> str:
    """Connect, ask, read the response ("answered"), or say how the server turned the client away.

    The unclosed server never closes, so its response is read until its body is complete;
    the closed server's is read until its FIN, after which the parent holds no copy.
    """
    received = b""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=CLIENT_SECONDS) as client:
            client.sendall(request_bytes(TARGET, "127.0.0.1", port))
            while until_closed or not received.endswith(BODY):
                chunk = client.recv(65536)
                if not chunk:
                    break
                received += chunk
    except ConnectionRefusedError:
        return "refused"
    except ConnectionError:
        return "reset"
    return "answered" if received.endswith(BODY) else f"unanswered ({received!r})"


def clients_in_turn(session, count: int, until_closed: bool) -> tuple[list[str], list[int | None]]:
    """`count` clients one after another; each one's outcome, and the server's open descriptors counted in the
    process table just before it connected, while the server waited in accept()."""
    outcomes, descriptors = [], []
    for _ in range(count):
        descriptors.append(session.server.view.own_descriptors())
        outcomes.append(one_client(session.port, until_closed))
    return outcomes, descriptors


def note_descriptors(wire, connections, descriptors) -> None:
    for connection, count in zip(connections, descriptors, strict=False):
        if count is not None:
            note_process(wire, connection.syn, f"before this client the server holds {count} descriptors, "
                                               f"limit {OPEN_FILES_LIMIT}")


def test_unclosed_server_keeps_a_descriptor_per_client_then_dies_of_emfile_at_the_limit_then_clients_are_refused(
        wire):
    session = wire.serve("forking_unclosed", open_files_limit=OPEN_FILES_LIMIT)
    capacity = OPEN_FILES_LIMIT - session.server.view.own_descriptors()
    served, descriptors = clients_in_turn(session, capacity, until_closed=False)
    status, output = session.server.wait_exit(EXIT_SECONDS), session.server.output()
    turned_away, _ = clients_in_turn(session, TURNED_AWAY, until_closed=False)
    found = wire.connections(capacity + TURNED_AWAY)
    note_descriptors(wire, found, descriptors)
    note_process(wire, found[capacity].syn, f"accept() failed with EMFILE once the last descriptor was taken: the "
                                            f"server exited with status {status}")
    wire.expect(claims.served_then_refused(found, capacity))
    for connection in found[:capacity]:
        wire.expect(checks.http_exchange(connection, TARGET, STATUS, BODY))
    base = OPEN_FILES_LIMIT - capacity
    assert descriptors == list(range(base, OPEN_FILES_LIMIT)), (
        f"expected the server's descriptors to grow by one a client, {base} to {OPEN_FILES_LIMIT - 1} before each; "
        f"the process table counted {descriptors}")
    assert status == 1 and "OSError: [Errno 24] Too many open files" in output, (
        f"expected the server to exit with status 1 after accept() failed with EMFILE; it "
        f"{'still runs' if status is None else f'exited with status {status}'}, output:\n{output}")
    assert served == ["answered"] * capacity and turned_away == ["refused"] * TURNED_AWAY, (
        f"expected {capacity} clients answered, then {TURNED_AWAY} refused; got {served} then {turned_away}")
    states = [c.state for c in found[capacity:]]
    assert states == ["REJ"] * TURNED_AWAY, f"expected the clients past the limit refused (REJ), got {states}"


def test_closed_server_under_the_same_limit_serves_ten_times_as_many_every_one_ending_sf(wire):
    session = wire.serve("forking", open_files_limit=OPEN_FILES_LIMIT)
    base = session.server.view.own_descriptors()
    clients = CLOSED_FACTOR * (OPEN_FILES_LIMIT - base)
    outcomes, descriptors = clients_in_turn(session, clients, until_closed=True)
    found = wire.connections(clients)
    note_descriptors(wire, found, descriptors)
    wire.expect(claims.served_then_refused(found, clients))
    not_sf = [c for c in found if c.state != "SF"]
    assert not not_sf, f"expected every connection to end SF, {len(not_sf)} did not, the first:\n{ladder(not_sf[0])}"
    assert set(descriptors) == {base}, (f"expected the server to hold {base} descriptors before every client, the "
                                        f"process table counted {sorted(set(descriptors), key=str)}")
    assert outcomes == ["answered"] * clients, f"expected {clients} clients answered, got {outcomes}"
    assert session.server.running(), f"expected the server to keep running, it exited:\n{session.server.output()}"


@pytest.mark.parametrize("variant, serves_all, kind", [
    ("forking", False, "served-unexpectedly"),
    ("forking_unclosed", True, "not-served"),
], ids=["closed-checked-for-exhaustion", "unclosed-checked-for-ten-times"])
def test_exhaustion_claims_fail_on_the_other_server(wire, variant, serves_all, kind):
    session = wire.serve(variant, open_files_limit=OPEN_FILES_LIMIT)
    capacity = OPEN_FILES_LIMIT - session.server.view.own_descriptors()
    outcomes, _ = clients_in_turn(session, capacity + TURNED_AWAY, until_closed=variant == "forking")
    found = wire.connections(len(outcomes))
    claimed = CLOSED_FACTOR * capacity if serves_all else capacity
    problems = claims.served_then_refused(found, claimed).problems
    first_after_capacity = found[capacity]
    assert [(p.kind, p.connection) for p in problems][:1] == [(kind, first_after_capacity)], problems
