"""The contract's half-close property: a client that shuts its sending side (FIN) after a complete request
still gets a complete response, then the server's FIN; after a partial request, it gets the server's FIN
(with or without an error response) within --fin-within."""

import pytest

from wirecheck import checks
from wirecheck.clients import request_bytes
from wirecheck.connection_clients import HOST, sends_then_half_closes
from wirecheck.contract.exchange import only_connection, reply_timeout
from wirecheck.verdict import Verdict


def complete_request_then_fin(wire) -> Verdict:
    """A whole GET, then the client's FIN, to the server the wire serves."""
    port = wire.session.port
    sends_then_half_closes(port, request_bytes(wire.settings.contract_path, HOST, port), reply_timeout(wire))
    connection = only_connection(wire)
    return (checks.response(connection, wire.settings.contract_status)
            .extend(checks.server_closes(connection, within=wire.settings.fin_within, closes_first=False)))


def partial_request_then_fin(wire) -> Verdict:
    """A GET whose head never ends (its blank line is missing), then the client's FIN."""
    port = wire.session.port
    partial = request_bytes(wire.settings.contract_path, HOST, port).removesuffix(b"\r\n")
    sends_then_half_closes(port, partial, reply_timeout(wire))
    connection = only_connection(wire)
    # The server may close as soon as it has the partial head, before the client's FIN arrives: both are fine.
    request = connection.sent_by_client.first_data or connection.segments[0]
    client_fin = connection.sent_by_client.fin or connection.segments[-1]
    return checks.server_fin_between(connection, request.time, client_fin.time + wire.settings.fin_within,
                                     "the partial request", wire.tolerance)


@pytest.mark.contract("half-close")
def test_12_a_complete_request_then_the_clients_fin_gets_a_complete_response_then_fin(wire):
    wire.serve_contract()
    wire.expect(complete_request_then_fin(wire))


@pytest.mark.contract("half-close")
def test_12_a_partial_request_then_the_clients_fin_gets_the_servers_fin_in_time(wire):
    wire.serve_contract()
    wire.expect(partial_request_then_fin(wire))
