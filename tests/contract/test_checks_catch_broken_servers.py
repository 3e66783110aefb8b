"""Every packet-level check fails on a real capture of a server that breaks what it checks.

A check that cannot fail proves nothing. Each case here runs a misbehaving server (one
of tests/broken/, or an article variant where the article's expectation does not
hold) and asserts that the same verdict function the behaviour tests use reports the
problem, by its kind.
"""

import socket
import time

import pytest
from claim_helpers import broken_server, two_overlapping_clients
from expectations import BODY, ITERATIVE_DELAY, STATUS, TARGET

from wirecheck import checks
from wirecheck.article._registry import variant_command
from wirecheck.capture._loopback import LoopbackCapture
from wirecheck.checks import _several_connections as claims
from wirecheck.checks._timing import Tolerance
from wirecheck.clients._requests import curl, read_until_closed, request_bytes
from wirecheck.model._flows import connections
from wirecheck.model._frames import decode_all
from wirecheck.server._ports import free_port, release_port

LATE_DELAY = 0.3
CURL_GIVES_UP_SECONDS = 0.5


def test_handshake_check_fails_when_nothing_listens(wire):
    port = free_port()
    capture = LoopbackCapture(port)
    capture.start()
    try:
        with pytest.raises(ConnectionRefusedError), socket.socket() as client:
            client.connect(("127.0.0.1", port))
    finally:
        frames = capture.stop().frames
        release_port(port)
    connection, = connections(decode_all(frames), port)
    verdict = checks.handshake(connection)
    assert verdict.kinds == ["handshake-broken"] and verdict.problems[0].segment.flag_text == "RA", verdict.problems
    assert connection.state == "REJ"


def test_http_check_fails_on_a_wrong_answer_sent_before_the_request(wire):
    session = wire.serve_command(broken_server("answers_before_the_request"))
    with socket.create_connection(("127.0.0.1", session.port), timeout=5) as client:
        client.recv(1)  # the server speaks first; only then does the client send its request
        client.sendall(request_bytes(TARGET, "127.0.0.1", session.port))
        read_until_closed(client)
    connection, = wire.connections(1)
    kinds = checks.http_exchange(connection, TARGET, STATUS, BODY).kinds
    assert set(kinds) == {"wrong-status", "wrong-body", "response-before-request"}, kinds


@pytest.mark.parametrize("argv, kind", [
    (broken_server("resets_instead_of_closing"), "rst-instead-of-fin"),
    (variant_command("forking", delay=LATE_DELAY), "server-fin-late"),
    (variant_command("forking_unclosed"), "no-server-fin"),
], ids=["rst", "late-fin", "no-fin"])
def test_close_check_fails_on_rst_late_fin_and_no_fin(wire, argv, kind):
    session = wire.serve_command(argv)
    curl(session.url(TARGET), max_time=CURL_GIVES_UP_SECONDS + LATE_DELAY)
    connection, = wire.connections(1)
    kinds = checks.server_closes(connection, delay=0.0, tolerance=Tolerance()).kinds
    assert kind in kinds, kinds


def test_unclosed_checks_fail_when_the_server_closes_on_time(wire):
    session = wire.serve("forking")
    curl(session.url(TARGET), max_time=CURL_GIVES_UP_SECONDS)
    time.sleep(CURL_GIVES_UP_SECONDS)
    session.server.stop()
    connection, = wire.connections(1)
    terminated_at, exited_at = session.server.terminated_at, session.server.exited_at
    silent = checks.client_fin_acknowledged_unanswered(connection, before=terminated_at)
    closes = checks.server_fin_between(connection, terminated_at, exited_at, "termination", Tolerance())
    assert silent.kinds == ["server-fin-early"], silent.problems
    assert closes.kinds == ["server-fin-early"], closes.problems


@pytest.mark.parametrize("variant, waits, kind", [
    ("forking", True, "client-did-not-wait"),
    ("iterative_slow", False, "client-waited"),
])
def test_concurrency_checks_fail_on_the_other_kind_of_server(wire, variant, waits, kind):
    session = wire.serve(variant, delay=ITERATIVE_DELAY)
    two_overlapping_clients(session.port)
    first, second = wire.connections(2)
    kinds = claims.second_waits_for_first(first, second, waits).kinds
    assert kinds == [kind], kinds
