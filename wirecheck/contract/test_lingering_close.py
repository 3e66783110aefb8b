"""The contract's lingering-close properties: a POST whose large body the server does not want is still being
sent when the server answers. The answer must reach the client whole (MUST); and the server must not reset
the connection while the client still sends, for at least LINGER_SECONDS after the client acknowledged its
answer (SHOULD): a server that closes with unread bytes makes Linux send RST, which can destroy the answer
(RFC 9112 §9.6)."""

import pytest

from wirecheck import checks
from wirecheck.checks import _http as checks_http
from wirecheck.checks._verdict import Verdict
from wirecheck.clients._exchanges import upload
from wirecheck.contract._exchange import only_connection, reply_timeout
from wirecheck.model._flows import Connection

# Far more than a server reads before answering (the article's servers read 1 KiB) and than a socket's
# receive buffer starts with (128 KiB here), so the client is still sending when the answer comes.
UPLOAD_BYTES = 1 << 20
# How long after the client acknowledged its answer a server should still take the client's bytes.
LINGER_SECONDS = 0.5


def upload_answered_early(wire) -> Connection:
    """The connection of a 1 MiB POST to the server the wire serves."""
    upload(wire.session.dialer, wire.settings.contract_path, UPLOAD_BYTES, reply_timeout(wire) + LINGER_SECONDS,
           answer_wait=wire.settings.fin_within)
    return only_connection(wire)


def early_response(wire) -> Verdict:
    """An upload answered early: its answer, whole (any status)."""
    return checks.response(upload_answered_early(wire), status=None)


def upload_not_reset(wire) -> Verdict:
    """An upload answered early: no RST from the server while the client still sent it, within LINGER_SECONDS."""
    return checks_http.no_reset_while_sending(upload_answered_early(wire), LINGER_SECONDS)


@pytest.mark.contract("early-response-whole")
def test_early_response_whole_an_early_answer_to_a_large_upload_reaches_the_client_whole(wire):
    wire.serve_contract()
    wire.expect(early_response(wire))


@pytest.mark.contract("no-reset-while-sending")
def test_no_reset_while_sending_the_server_does_not_reset_while_the_client_still_sends_its_upload(wire):
    wire.serve_contract()
    wire.expect(upload_not_reset(wire))
