"""The contract's `Connection: close` property: a request that asks to close, with a second request behind it
in the same segment, gets exactly one response (the first request's, with the expected status), then the
server's FIN; the second request is never answered (RFC 9112 §9.6)."""

import pytest

from wirecheck.checks import _http as checks_http
from wirecheck.checks._verdict import Verdict
from wirecheck.clients._exchanges import pipelined_after_close
from wirecheck.contract._exchange import answered_then_fin


def request_after_close(wire) -> Verdict:
    """A closing GET and a second GET in one segment, to the server the wire serves."""
    return answered_then_fin(wire, pipelined_after_close,
                             lambda connection: checks_http.exchanges(connection, wire.settings.contract_status))


@pytest.mark.contract("close-ends-connection")
def test_close_ends_connection_connection_close_with_a_request_behind_it_gets_one_response_then_fin(wire):
    wire.serve_contract()
    wire.expect(request_after_close(wire))
