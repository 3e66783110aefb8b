"""The contract's `Expect: 100-continue` property: the request head gets 100 Continue or a final status within
CONTINUE_WITHIN_SECONDS (RFC 9110 §10.1.1; curl waits 1 s before it sends the body anyway)."""

import pytest

from wirecheck.checks import _http as checks_http
from wirecheck.checks._verdict import Verdict
from wirecheck.clients._exchanges import expect_continue
from wirecheck.contract._exchange import only_connection, reply_timeout

CONTINUE_WITHIN_SECONDS = 1.0
# The client sends its body anyway this long after its head, past the allowed wait, so that a server
# that waits for the body answers visibly late.
BODY_ANYWAY_AFTER_SECONDS = 1.25


def expecting_continue(wire) -> Verdict:
    """A POST with Expect: 100-continue to the server the wire serves."""
    expect_continue(wire.session.dialer, wire.settings.contract_path, BODY_ANYWAY_AFTER_SECONDS, reply_timeout(wire))
    return checks_http.answers_expectation(only_connection(wire), CONTINUE_WITHIN_SECONDS)


@pytest.mark.contract("expect-continue")
def test_expect_continue_expect_100_continue_gets_100_or_a_final_status_within_1_s(wire):
    wire.serve_contract()
    wire.expect(expecting_continue(wire))
