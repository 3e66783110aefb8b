"""The contract's half-close property: a client that shuts its sending side (FIN) after a complete request
still gets a complete response, then the server's FIN; after a partial request, it gets the server's FIN
(with or without an error response) within --wire-fin-within. Both clients run in one test, one after the
other, so that the property costs one server and one capture."""

import pytest

from wirecheck import checks
from wirecheck.checks._verdict import Verdict
from wirecheck.clients._exchanges import HOST, sends_then_half_closes
from wirecheck.clients._requests import request_bytes
from wirecheck.contract._exchange import reply_timeout


def half_closing_clients(wire) -> Verdict:
    """A whole GET then the client's FIN, then a GET whose head never ends (its blank line is missing) then
    the client's FIN, to the server the wire serves; one verdict on both connections."""
    port = wire.session.port
    request = request_bytes(wire.settings.contract_path, HOST, port)
    sends_then_half_closes(port, request, reply_timeout(wire))
    sends_then_half_closes(port, request.removesuffix(b"\r\n"), reply_timeout(wire))
    complete, partial = wire.connections(2)
    verdict = (checks.response(complete, wire.settings.contract_status)
               .extend(checks.server_closes(complete, within=wire.settings.fin_within, closes_first=False)))
    # The server may close as soon as it has the partial head, before the client's FIN arrives: both are fine.
    begun = partial.sent_by_client.first_data or partial.segments[0]
    client_fin = partial.sent_by_client.fin or partial.segments[-1]
    return verdict.extend(checks.server_fin_between(partial, begun.time, client_fin.time + wire.settings.fin_within,
                                                    "the partial request", wire.tolerance))


@pytest.mark.contract("half-close")
def test_half_close_after_the_clients_fin_a_complete_request_is_answered_then_fin_and_a_partial_one_gets_fin(wire):
    wire.serve_contract()
    wire.expect(half_closing_clients(wire))
