"""Each TLS ending property fails on an HTTPS server that breaks it, by its problem kind, and passes on the good
one (tests/broken/good_https.py) with its handshake figures. The same verdict functions the contract runs are
run here, each server with a throwaway certificate of this module's (conftest.py)."""

import pytest
from claim_helpers import serve_https

from wirecheck.contract.test_tls_close import body_ended_by_the_close, client_closes, server_closes

PROPERTIES = {"close-notify-before-fin": server_closes, "close-notify-answered": client_closes,
              "no-truncation": body_ended_by_the_close}


@pytest.mark.parametrize("key", sorted(PROPERTIES))
def test_the_good_https_server_passes_every_tls_ending_property(wire, tls_files, key):
    serve_https(wire, tls_files, "good_https")
    verdict = PROPERTIES[key](wire)
    assert verdict.ok, verdict.problems
    if key == "close-notify-before-fin":
        assert verdict.figures["tls_version"] == "TLSv1.3" and verdict.figures["tls_cipher"].startswith("TLS_")
        assert verdict.figures["tls_alpn"] == "http/1.1"
        assert 0 < verdict.figures["handshake_time"] < 1


@pytest.mark.parametrize("server, key, kinds", [
    ("ends_tls_without_close_notify", "close-notify-before-fin", ["no-close-notify"]),
    ("ends_tls_without_close_notify", "close-notify-answered", ["close-notify-unanswered"]),
    ("ends_tls_without_close_notify", "no-truncation", ["truncatable-body"]),
    ("resets_after_close_notify", "close-notify-before-fin", ["reset-after-close-notify"]),
    ("truncatable_close_delimited_body", "no-truncation", ["truncatable-body"]),
    ("truncatable_close_delimited_body", "close-notify-before-fin", []),
    ("leaves_close_notify_unanswered", "close-notify-answered", ["close-notify-unanswered"]),
    ("leaves_close_notify_unanswered", "close-notify-before-fin", []),
])
def test_a_broken_https_server_fails_its_property_by_its_kind(wire, tls_files, server, key, kinds):
    serve_https(wire, tls_files, server)
    assert PROPERTIES[key](wire).kinds == kinds


def test_a_server_that_keeps_no_connection_alive_leaves_a_clients_close_notify_not_measured(wire, tls_files):
    serve_https(wire, tls_files, "closes_tls_after_each_response")
    verdict = client_closes(wire)
    assert verdict.kinds == [] and verdict.figures["close_notify_answer"].startswith("not measured: the server closed")
