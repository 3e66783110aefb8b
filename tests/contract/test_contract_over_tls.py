"""The properties that run over TLS judge the decrypted exchange, and the TLS ending properties (22-24) how a TLS
connection ends: each passes on the good HTTPS server (tests/broken/good_https.py), with the handshake figures, and
fails, by its problem kind, on an HTTPS server that breaks it; a broken one fails only its own. The verdict functions
are the contract's own, run here with a throwaway certificate (conftest.py)."""

import signal

import pytest
from claim_helpers import WAITED, serve_https

from wirecheck.clients._abuse import ABUSES
from wirecheck.contract._over_tls import NOT_OVER_TLS, TLS_ONLY
from wirecheck.contract._properties import BASELINE, BY_KEY
from wirecheck.contract.test_basics import (
    BLOCKERS,
    complete_response,
    fin_in_time,
    overlapping_clients_served,
    rude_clients_then_served,
)
from wirecheck.contract.test_burst import burst_answered
from wirecheck.contract.test_close import clients_close_first
from wirecheck.contract.test_connection_close import request_after_close
from wirecheck.contract.test_expect_continue import expecting_continue
from wirecheck.contract.test_half_close import half_closing_clients
from wirecheck.contract.test_header_timeout import trickling_head
from wirecheck.contract.test_http10 import http10_request
from wirecheck.contract.test_keep_alive import idle_connection, two_requests
from wirecheck.contract.test_lingering_close import early_response, upload_not_reset
from wirecheck.contract.test_stop import stop_while_busy
from wirecheck.contract.test_tls_close import body_ended_by_the_close, client_closes, server_closes

# Some wait out the good server's 1 s idle timeout: handed out first, they do not end the run on one worker.
pytestmark = pytest.mark.slow

# Judged over TLS on TCP's facts and the process table alone since TLS runs began: not the decrypted exchange.
TCP_ONLY = {"handshake", "no-leak"}
# Judged with a server per kind of blocker: see the test of each kind below.
NO_WAITING = "no-waiting"
# A burst of a few, without the measured rounds: enough to see every connection of it answered over TLS.
BURST = 8
# Half a second past the HTTPS servers' header timeout (tls_common.py): room for a busy machine.
HEADER_TIMEOUT_SECONDS = 1.25
# As the plain stop tests' (test_contract_catches_close_breakage.py): the good server drains within it, a hard stop
# outlives it (tls_stop.py).
STOP_GRACE_SECONDS = 0.5


PROPERTIES = {
    "complete-response": complete_response,
    "fin-in-time": fin_in_time,
    "keep-alive": two_requests,
    "idle-close": idle_connection,
    "close-ends-connection": request_after_close,
    "http-1.0": http10_request,
    "expect-continue": expecting_continue,
    "no-close-wait": clients_close_first,
    "burst": lambda wire: burst_answered(wire, BURST, concurrencies=()),
    "header-timeout": lambda wire: trickling_head(wire, HEADER_TIMEOUT_SECONDS),
    "early-response-whole": early_response,
    "no-reset-while-sending": upload_not_reset,
    "half-close": half_closing_clients,
    "bad-input": lambda wire: rude_clients_then_served(wire, sorted(ABUSES)),
    "graceful-stop": lambda wire: stop_while_busy(wire, signal.SIGTERM, STOP_GRACE_SECONDS),
}
ENDINGS = {"close-notify-before-fin": server_closes, "close-notify-answered": client_closes,
           "no-truncation": body_ended_by_the_close}
VERDICTS = {**PROPERTIES, **ENDINGS}


def test_every_property_a_tls_run_judges_on_the_decrypted_exchange_is_proved_here():
    assert set(BY_KEY) - {BASELINE} - set(NOT_OVER_TLS) - TLS_ONLY - TCP_ONLY == set(PROPERTIES) | {NO_WAITING}
    assert set(ENDINGS) == TLS_ONLY


@pytest.mark.parametrize("key", sorted(VERDICTS))
def test_the_good_https_server_passes_every_property_that_runs_over_tls(wire, tls_files, key):
    serve_https(wire, tls_files, "good_https")
    verdict = VERDICTS[key](wire)
    assert verdict.ok, verdict.problems
    if key == "idle-close":  # its idle timeout, measured from the last response record to the FIN after close_notify
        assert verdict.figures["idle_close"] == "fin" and 1.0 <= verdict.figures["idle_timeout"] < 2.0
    if key == "header-timeout":  # its header timeout, from the head's first record to its close_notify
        assert verdict.figures["header_cut_off"] == "fin" and 0.75 <= verdict.figures["header_timeout"] < 1.0
    if key == "bad-input":  # the last rude client's ending: bytes that are no TLS, read, then FIN (not RST)
        assert verdict.figures["rude_ending"] == "fin"
    if key == "graceful-stop":  # the upload was in flight at the signal, and answered; a newcomer is refused
        assert (verdict.figures["upload_ending"], verdict.figures["late_connection"]) == ("200-then-fin", "refused")
    if key == "close-notify-before-fin":
        assert verdict.figures["tls_version"] == "TLSv1.3" and verdict.figures["tls_cipher"].startswith("TLS_")
        assert verdict.figures["tls_alpn"] == "http/1.1"
        assert 0 < verdict.figures["handshake_time"] < 1


@pytest.mark.parametrize("blockers", sorted(BLOCKERS))
def test_the_good_https_server_answers_overlapping_clients_beside_each_kind_of_held_connection(wire, tls_files,
                                                                                             blockers):
    """no-waiting, a server per kind of blocker: a session's capture ends at its first observation."""
    serve_https(wire, tls_files, "good_https")
    verdict = overlapping_clients_served(wire, blockers)
    assert verdict.ok, verdict.problems


@pytest.mark.parametrize("server, key, kinds", [
    ("cuts_tls_response_short", "complete-response", ["incomplete-response"]),
    ("cuts_tls_response_short", "fin-in-time", ["server-fin-early"]),
    ("resets_after_close_notify", "fin-in-time", ["rst-instead-of-fin"]),
    ("ignores_second_tls_request", "keep-alive", ["unanswered-request"]),
    ("resets_after_close_notify", "idle-close", ["rst-instead-of-fin"]),
    ("waits_for_the_tls_body", "expect-continue", ["no-continue"]),
    ("resets_a_refused_tls_upload", "early-response-whole", ["incomplete-response"]),
    ("resets_a_refused_tls_upload", "no-reset-while-sending", ["reset-while-sending"]),
    ("ends_tls_without_close_notify", "close-notify-before-fin", ["no-close-notify"]),
    ("ends_tls_without_close_notify", "close-notify-answered", ["close-notify-unanswered"]),
    ("ends_tls_without_close_notify", "no-truncation", ["truncatable-body"]),
    ("ends_tls_without_close_notify", "fin-in-time", []),  # the RST drawn by the client's alert, after its FIN
    ("resets_after_close_notify", "close-notify-before-fin", ["reset-after-close-notify"]),
    ("truncatable_close_delimited_body", "no-truncation", ["truncatable-body"]),
    ("truncatable_close_delimited_body", "close-notify-before-fin", []),
    ("leaves_close_notify_unanswered", "close-notify-answered", ["close-notify-unanswered"]),
    ("leaves_close_notify_unanswered", "close-notify-before-fin", []),
    ("one_tls_connection_at_a_time", "header-timeout", ["head-not-cut-off"]),
    ("resets_after_close_notify", "header-timeout", ["rst-instead-of-fin"]),
    ("drops_the_answer_at_close_notify", "half-close", ["no-response", "server-fin-early"]),
    ("resets_tls_on_sigterm", "graceful-stop",
     ["no-response", "rst-instead-of-fin", "rst-instead-of-fin", "accepted-then-dropped", "not-stopped"]),
])
def test_a_broken_https_server_fails_the_property_it_breaks(wire, tls_files, server, key, kinds):
    serve_https(wire, tls_files, server)
    assert VERDICTS[key](wire).kinds == kinds


@pytest.mark.slow(seconds=3)  # waits out held handshakes (idle: 5 s), the server's or the clients'
@pytest.mark.parametrize("blockers", sorted(BLOCKERS))
def test_a_server_that_serves_one_tls_connection_at_a_time_makes_clients_wait_behind_held_ones(wire, tls_files,
                                                                                               blockers):
    """Over TLS a client that waits behind them may wait in its handshake: it never got to send its request."""
    serve_https(wire, tls_files, "one_tls_connection_at_a_time")
    verdict = overlapping_clients_served(wire, blockers)
    assert verdict.kinds and set(verdict.kinds) <= WAITED, verdict.problems


@pytest.mark.parametrize("key", ["fin-in-time", "close-ends-connection", "http-1.0", "idle-close", "header-timeout"])
def test_a_server_that_holds_its_fin_until_the_clients_close_notify_closed_first_by_its_own(wire, tls_files, key):
    """uvicorn, hypercorn, aiohttp and lighttpd close so: the client's FIN comes first on TCP."""
    serve_https(wire, tls_files, "holds_fin_for_close_notify")
    verdict = VERDICTS[key](wire)
    client, server = verdict.connection.sent_by_client, verdict.connection.sent_by_server
    assert verdict.ok and client.fin.index < server.fin.index, verdict.problems
    assert verdict.connection.first_closer == "server"


@pytest.mark.parametrize("server", ["closes_tls_after_each_response", "announces_its_close_late"])
def test_a_server_that_keeps_no_connection_alive_leaves_a_clients_close_notify_not_measured(wire, tls_files, server):
    """Whether its close came before the client's close_notify (its first) or after it (the other's response said
    it would close): from run to run gunicorn's sync worker did either."""
    serve_https(wire, tls_files, server)
    verdict = client_closes(wire)
    assert verdict.kinds == [] and verdict.figures["close_notify_answer"].startswith("not measured: the server clos")


def test_a_rst_drawn_by_the_clients_close_notify_after_the_servers_fin_passes_fin_in_time(wire, tls_files):
    serve_https(wire, tls_files, "closes_https_at_once")
    verdict = fin_in_time(wire)
    server = verdict.connection.sent_by_server
    assert verdict.ok and server.fin.index < server.rst.index, verdict.problems
    assert any(segment is server.rst for segment, _ in verdict.notes)


def test_a_tls_client_sends_its_close_notify_and_its_fin_in_one_segment(wire, tls_files):
    """Else a server that answers close_notify with its FIN at once (nginx) closes first on the wire, and a client
    that gave up waiting on an idle connection reads as the server's idle close."""
    serve_https(wire, tls_files, "good_https")
    with wire.session.dialer.open(timeout=5):
        pass
    connection, = wire.connections(1)
    assert connection.tls.close_notify(from_client=True).completed_by is connection.sent_by_client.fin


def test_under_tls_1_2_a_request_left_unanswered_at_the_clients_close_notify_passes_half_close(wire, tls_files):
    """RFC 5246 §7.2.1: the other party MUST answer a close_notify with its own and close down at once, discarding
    pending writes; the same server fails under TLS 1.3 (above)."""
    serve_https(wire, tls_files, "drops_the_answer_at_close_notify", "--tls12")
    verdict = half_closing_clients(wire)
    assert verdict.ok and verdict.connection.tls.version == "TLSv1.2", verdict.problems
    assert verdict.connection.stream(False).first_data is None
    assert any("TLS 1.2" in text for _, text in verdict.notes)


def test_a_server_that_dies_on_bytes_that_are_not_tls_fails_bad_input(wire, tls_files):
    serve_https(wire, tls_files, "dies_on_a_failed_tls_handshake")
    verdict = rude_clients_then_served(wire, ["sends_random_bytes"])
    rude, last = wire.connections(2)
    assert verdict.kinds[0] == "server-died" and verdict.figures["rude_ending"] == "rst", verdict.problems
    # Refused, or reset in its handshake, as the server's exit and the next client's connect race: never answered.
    assert len(verdict.problems) > 1 and all(problem.connection is last for problem in verdict.problems[1:])
