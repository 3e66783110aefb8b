"""Every packet-level check fails on a real capture of a server that breaks what it checks.

A check that cannot fail proves nothing. Each case here runs a misbehaving server (one
of tests/broken/, or an article variant where the article's expectation does not
hold) and asserts that the same verdict function the behaviour tests use reports the
problem, in words that name it.
"""

import socket
import time

import pytest
from claims import broken_server
from expectations import BODY, ITERATIVE_DELAY, STATUS, TARGET
from test_one_client_at_a_time import _two_overlapping_clients

from wirecheck import verdicts
from wirecheck.capture import LoopbackCapture
from wirecheck.clients import curl, read_until_closed, request_bytes
from wirecheck.flows import connections
from wirecheck.frames import decode_all
from wirecheck.session import free_port, variant_command
from wirecheck.timing import Tolerance

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
    connection, = connections(decode_all(frames), port)
    verdict = verdicts.handshake(connection)
    assert not verdict.ok and "SYN-ACK" in verdict.problems[0].message, verdict.problems
    assert connection.state == "REJ"


def test_http_check_fails_on_a_wrong_answer_sent_before_the_request(wire):
    session = wire.serve_command(broken_server("answers_before_the_request"))
    with socket.create_connection(("127.0.0.1", session.port), timeout=5) as client:
        client.recv(1)  # the server speaks first; only then does the client send its request
        client.sendall(request_bytes(TARGET, "127.0.0.1", session.port))
        read_until_closed(client)
    connection, = wire.connections(1)
    messages = " ".join(p.message for p in verdicts.http_exchange(connection, TARGET, STATUS, BODY).problems)
    for fragment in ("expected status 200", "expected the body", "expected the response after the request"):
        assert fragment in messages, f"{fragment!r} missing from {messages!r}"


@pytest.mark.parametrize("argv, fragment", [
    (broken_server("resets_instead_of_closing"), "it sent RST"),
    (variant_command("forking", delay=LATE_DELAY), "expected the server FIN at +0.000 ms"),
    (variant_command("forking_unclosed"), "no server FIN was sent"),
], ids=["rst", "late-fin", "no-fin"])
def test_close_check_fails_on_rst_late_fin_and_no_fin(wire, argv, fragment):
    session = wire.serve_command(argv)
    curl(session.url(TARGET), max_time=CURL_GIVES_UP_SECONDS + LATE_DELAY)
    connection, = wire.connections(1)
    messages = " ".join(p.message for p in verdicts.server_closes_after_response(connection, 0.0, Tolerance()).problems)
    assert fragment in messages, f"{fragment!r} missing from {messages!r}"


def test_unclosed_checks_fail_when_the_server_closes_on_time(wire):
    session = wire.serve("forking")
    curl(session.url(TARGET), max_time=CURL_GIVES_UP_SECONDS)
    time.sleep(CURL_GIVES_UP_SECONDS)
    session.server.stop()
    connection, = wire.connections(1)
    terminated_at, exited_at = session.server.terminated_at, session.server.exited_at
    silent = verdicts.client_fin_acked_not_answered(connection, before=terminated_at)
    closes = verdicts.server_closes_between(connection, terminated_at, exited_at, "termination", Tolerance())
    assert any("expected no server FIN before" in p.message for p in silent.problems), silent.problems
    assert any("expected the server FIN within" in p.message for p in closes.problems), closes.problems


@pytest.mark.parametrize("variant, check, fragment", [
    ("forking", verdicts.waits_for, "expected the second response after the first connection's close"),
    ("iterative_slow", verdicts.answered_without_waiting, "expected the second response while the first"),
])
def test_concurrency_checks_fail_on_the_other_kind_of_server(wire, variant, check, fragment):
    session = wire.serve(variant, delay=ITERATIVE_DELAY)
    _two_overlapping_clients(session.port)
    first, second = wire.connections(2)
    messages = " ".join(p.message for p in check(first, second).problems)
    assert fragment in messages, f"{fragment!r} missing from {messages!r}"
