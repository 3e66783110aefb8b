"""The contract's HTTP/1.0 property: a request without keep-alive gets its response, then the server's FIN
within --wire-fin-within (RFC 9112 §9.3: an HTTP/1.0 connection without "keep-alive" is not persistent)."""

import pytest

from wirecheck import checks
from wirecheck.checks._verdict import Verdict
from wirecheck.clients._exchanges import http10
from wirecheck.contract._exchange import answered_then_fin


def http10_request(wire) -> Verdict:
    """An HTTP/1.0 GET to the server the wire serves."""
    return answered_then_fin(wire, http10, lambda c: checks.response(c, wire.settings.contract_status))


@pytest.mark.contract("http-1.0")
def test_http_1_0_an_http_1_0_request_gets_its_response_then_fin(wire):
    wire.serve_contract()
    wire.expect(http10_request(wire))
