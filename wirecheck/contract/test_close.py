"""The contract when clients close first: the server answers each close with its own FIN, in time, and keeps
no socket in CLOSE_WAIT and no descriptor for a client that has left (Kludex/uvicorn#1199: 7,047 sockets)."""

import pytest

from wirecheck.checks import _endings as endings
from wirecheck.checks import _process_table as process_claims
from wirecheck.checks._verdict import Verdict
from wirecheck.clients._held import idle_keep_alive, keep_alive_request, wait_accepted
from wirecheck.clients._requests import burst
from wirecheck.contract._exchange import DESCRIPTOR_SLACK, closing_requests, reply_timeout, settled
from wirecheck.server._dialer import close
from wirecheck.server._waiting import wait_until

# Several clients of each kind, so that a server leaking one socket per close shows a count, not a fluke.
KEEP_ALIVE_CLOSERS = 3
MID_REQUEST_CLOSERS = 3


def clients_close_first(wire) -> Verdict:
    """Keep-alive clients that close after their response and clients that close in mid-request: each gets the
    server's FIN within --wire-fin-within; then nothing of the server is in CLOSE_WAIT and its descriptors are back."""
    session, settings = wire.session, wire.settings
    port, view, dialer = session.port, session.server.view, session.dialer
    burst(dialer, closing_requests(wire, 1), reply_timeout(wire, patient=True))  # opens what the server opens lazily
    (_, before), _ = settled(view)
    for client in idle_keep_alive(dialer, settings.contract_path, settings.fin_within, KEEP_ALIVE_CLOSERS):
        close(client)
    for _ in range(MID_REQUEST_CLOSERS):
        with dialer.open(settings.fin_within) as client:
            client.sendall(keep_alive_request(settings.contract_path, port)[:-2])  # the head's last line missing
    # A client may close while its connection still waits in the accept queue, where no process holds it:
    # CLOSE_WAIT is looked for in the server's hands once it has accepted them all.
    wait_accepted(port, settings.fin_within)
    wait_until(lambda: not view.close_wait(port), settings.fin_within)
    stuck = view.close_wait(port)
    (_, after), _ = settled(view)
    connections = wire.connections(1 + KEEP_ALIVE_CLOSERS + MID_REQUEST_CLOSERS)
    verdict = Verdict()
    for connection in connections[1:]:
        verdict.extend(endings.closes_after_the_client(connection, settings.fin_within))
    what = f"{len(connections) - 1} clients that closed first"
    return (verdict.extend(process_claims.no_close_wait(stuck, connections))
            .extend(process_claims.descriptors_not_grown(before, after, DESCRIPTOR_SLACK, what,
                                                         connections[-1].segments[-1])))


@pytest.mark.contract("no-close-wait")
def test_no_close_wait_clients_that_close_first_get_the_servers_fin_and_leave_no_close_wait_and_no_descriptor(wire):
    wire.serve_contract()
    wire.expect(clients_close_first(wire))
