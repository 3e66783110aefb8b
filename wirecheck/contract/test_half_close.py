"""The contract's half-close property: a client that shuts its sending side (FIN) after a complete request
still gets a complete response, then the server's FIN; after a partial request, it gets the server's FIN
(with or without an error response) within --wire-fin-within. Both clients run in one test, one after the
other, so that the property costs one server and one capture.

Over TLS the client sends close_notify with its FIN (one segment) and reads on: TLS 1.3's close_notify closes only
its sender's write side (RFC 8446 §6.1), so the request is due its answer as over TCP, and a server that answers the
close_notify with its own at once, the request dropped (asyncio's SSL transport), fails as a plain server that takes
the FIN for "client gone" does (no-response). Under TLS 1.2 the other party MUST answer a close_notify with its own
and close down at once, discarding pending writes (RFC 5246 §7.2.1): there an unanswered request is the protocol,
and only the server's FIN in time is judged (an answer it did send must still be whole). The version is the
server's choice, so a server gets the same verdict run after run."""

import pytest

from wirecheck import checks
from wirecheck.checks._tls import close_notify_ends_both_ways
from wirecheck.checks._verdict import Verdict
from wirecheck.clients._exchanges import HOST, sends_then_half_closes
from wirecheck.clients._requests import request_bytes
from wirecheck.contract._exchange import reply_timeout
from wirecheck.model._flows import Connection


def half_closing_clients(wire) -> Verdict:
    """A whole GET then the client's FIN, then a GET whose head never ends (its blank line is missing) then
    the client's FIN, to the server the wire serves; one verdict on both connections."""
    dialer = wire.session.dialer
    request = request_bytes(wire.settings.contract_path, HOST, dialer.port)
    sends_then_half_closes(dialer, request, reply_timeout(wire))
    sends_then_half_closes(dialer, request.removesuffix(b"\r\n"), reply_timeout(wire))
    complete, partial = wire.connections(2)
    return answered_then_closed(wire, complete).extend(closed_in_time(wire, partial, "the partial request"))


def answered_then_closed(wire, connection: Connection) -> Verdict:
    """The complete request's response, whole, then the server's FIN; under TLS 1.2, unanswered, its FIN in time."""
    if close_notify_ends_both_ways(connection) and connection.stream(False).first_data is None:
        verdict = Verdict(connection)
        verdict.note(connection.tls.close_notify(from_client=True).completed_by,
                     "TLS 1.2: the client's close_notify closes the session both ways (RFC 5246 §7.2.1): the request "
                     "before it need not be answered")
        return verdict.extend(closed_in_time(wire, connection, "the request"))
    return (checks.response(connection, wire.settings.contract_status)
            .extend(checks.server_closes(connection, within=wire.settings.fin_within, closes_first=False)))


def closed_in_time(wire, connection: Connection, what: str) -> Verdict:
    """The server's FIN once the request began (over TLS its first record), at most --wire-fin-within after the
    client's FIN."""
    # The server may close as soon as it has the partial head, before the client's FIN arrives: both are fine.
    begun = connection.stream(True).first_data or connection.segments[0]
    client_fin = connection.sent_by_client.fin or connection.segments[-1]
    return checks.server_fin_between(connection, begun.time, client_fin.time + wire.settings.fin_within, what,
                                     wire.tolerance)


@pytest.mark.contract("half-close")
def test_half_close_after_the_clients_fin_a_complete_request_is_answered_then_fin_and_a_partial_one_gets_fin(wire):
    wire.serve_contract()
    wire.expect(half_closing_clients(wire))
