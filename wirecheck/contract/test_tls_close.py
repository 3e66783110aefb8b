"""The contract's TLS ending (RFC 8446 §6.1), judged on the decrypted records of a --wire-tls run: the server ends a
connection with close_notify, then FIN; it answers a client's close_notify with its own; and a body that ends with
the connection ends with close_notify, so that a client can tell a whole body from a cut one. Found in real servers:
gunicorn and http.server wrapped in ssl end with a bare FIN, and OpenSSL 3 clients report "unexpected eof while
reading" (curl#17471, openssl#11381). Recorded: the version, cipher suite, ALPN protocol and handshake time."""

import pytest

from wirecheck.checks import _tls as tls_checks
from wirecheck.checks._verdict import Verdict
from wirecheck.clients._exchanges import http10
from wirecheck.clients._requests import burst
from wirecheck.clients._tls_close import close_notify_first
from wirecheck.contract._exchange import closing_requests, only_connection, reply_timeout


def server_closes(wire) -> Verdict:
    """A request with Connection: close, read to its end: the server's close_notify, then its FIN."""
    burst(wire.session.dialer, closing_requests(wire, 1), reply_timeout(wire))
    connection = only_connection(wire)
    verdict = tls_checks.close_notify_before_fin(connection)
    tls_checks.handshake_figures(connection, verdict)
    return verdict


def client_closes(wire) -> Verdict:
    """A kept-alive exchange, then the client's close_notify alone: the server's close_notify answers it."""
    close_notify_first(wire.session.dialer, wire.settings.contract_path, wire.settings.fin_within)
    return tls_checks.close_notify_answered(only_connection(wire), wire.settings.fin_within)


def body_ended_by_the_close(wire) -> Verdict:
    """An HTTP/1.0 request, which servers may answer with a body the close ends: close_notify ends it."""
    http10(wire.session.dialer, wire.settings.contract_path, reply_timeout(wire))
    return tls_checks.no_truncation(only_connection(wire))


@pytest.mark.contract("close-notify-before-fin")
def test_close_notify_before_fin_the_server_sends_close_notify_then_its_fin(wire):
    wire.serve_contract()
    wire.expect(server_closes(wire))


@pytest.mark.contract("close-notify-answered")
def test_close_notify_answered_a_clients_close_notify_gets_the_servers_before_its_fin(wire):
    wire.serve_contract()
    wire.expect(client_closes(wire))


@pytest.mark.contract("no-truncation")
def test_no_truncation_a_body_that_ends_with_the_connection_ends_with_close_notify(wire):
    wire.serve_contract()
    wire.expect(body_ended_by_the_close(wire))
