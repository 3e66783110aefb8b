"""Each connection-management check passes a good crafted conversation and, for a bad one, reports its kind,
the frame to blame and what it measured."""

import pytest
from crafted import REQUEST, RESPONSE, T0, Talk, only_connection

from wirecheck.checks import _http as checks_http

CLOSING_REQUEST = REQUEST.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n")
CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
UPLOAD_HEAD = b"POST / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nContent-Length: 1000\r\n\r\n"
WINDOW = 0.5


def conversation(talk: Talk, response_at: float = 0.0005, closing: str = "fin", closing_at: float = 0.0006,
                 client_ack: bool = False) -> list:
    """Handshake, the talk's request and response, the client's ACK of it (if asked), then the server's
    `closing` ("fin", "rst", or "client": the client's FIN, the server silent)."""
    frames = [talk.syn(T0), talk.syn_ack(T0 + 0.00003), talk.handshake_ack(T0 + 0.00006),
              talk.request_data(T0 + 0.0002), talk.response_data(T0 + response_at)]
    if client_ack:
        frames.append(talk.by_client(T0 + response_at + 0.00001, "A", talk.request_end, talk.response_end))
    at = T0 + closing_at
    frames.append({"fin": talk.server_fin, "rst": talk.server_rst,
                   "client": lambda time: talk.client_fin(time, after_server_fin=False)}[closing](at))
    return frames


def test_a_request_after_connection_close_that_is_answered_is_reported_on_the_last_response_frame():
    connection = only_connection(conversation(Talk(request=CLOSING_REQUEST + REQUEST, response=RESPONSE * 2)))
    verdict = checks_http.exchanges(connection, 200)
    assert verdict.kinds == ["answered-after-close"] and verdict.figures["responses"] == 2
    assert verdict.problems[0].segment is connection.sent_by_server.last_data


def test_one_response_to_a_closing_request_with_another_behind_it_is_what_is_due():
    connection = only_connection(conversation(Talk(request=CLOSING_REQUEST + REQUEST)))
    assert checks_http.exchanges(connection, 200).ok


def test_a_second_request_on_a_kept_connection_left_unanswered_is_reported_and_kinds_of_answer_are_judged():
    connection = only_connection(conversation(Talk(request=REQUEST * 2)))
    assert checks_http.exchanges(connection, 200).kinds == ["unanswered-request"]
    assert checks_http.exchanges(only_connection(conversation(Talk(request=REQUEST * 2, response=RESPONSE * 2))),
                                 404).kinds == ["wrong-status", "wrong-status"]


@pytest.mark.parametrize("requests, kept", [(2, "kept-alive"), (1, "no-keep-alive")])
def test_keep_alive_is_recorded_from_the_requests_the_server_took_before_it_closed(requests, kept):
    connection = only_connection(conversation(Talk(request=REQUEST * requests, response=RESPONSE * requests)))
    verdict = checks_http.keeps_alive(connection)
    assert verdict.ok and verdict.figures["keep_alive"] == kept


@pytest.mark.parametrize("closing, kinds, end", [("fin", [], "fin"), ("rst", ["rst-instead-of-fin"], "rst")])
def test_an_idle_close_is_timed_from_the_last_response_byte_and_must_be_a_fin(closing, kinds, end):
    verdict = checks_http.idle_close(only_connection(conversation(Talk(), closing=closing, closing_at=2.0005)),
                                     WINDOW * 10)
    assert verdict.kinds == kinds and verdict.figures["idle_close"] == end
    assert verdict.figures["idle_timeout"] == pytest.approx(2.0, abs=1e-6)


def test_an_idle_connection_still_open_when_the_client_gives_up_is_recorded_as_open_for_the_window():
    verdict = checks_http.idle_close(only_connection(conversation(Talk(), closing="client", closing_at=WINDOW)),
                                     WINDOW)
    assert verdict.ok and verdict.figures["idle_close"] == "open" and verdict.figures["idle_timeout"] == WINDOW
    assert verdict.figures["first_closer"] == "client"


@pytest.mark.parametrize("body, rst_after, kinds", [
    (b"x" * 10, 0.001, ["reset-while-sending"]),  # still sending, reset at once
    (b"x" * 10, WINDOW + 0.1, []),  # still sending, but the server lingered long enough
    (b"x" * 1000, 0.001, []),  # the whole upload was sent: a RST then destroys nothing
])
def test_a_reset_while_the_client_still_sends_is_reported_until_the_linger_window_has_passed(body, rst_after, kinds):
    talk = Talk(request=UPLOAD_HEAD + body)
    verdict = checks_http.no_reset_while_sending(
        only_connection(conversation(talk, closing="rst", closing_at=0.0005 + rst_after, client_ack=True)), WINDOW)
    assert verdict.kinds == kinds and verdict.figures["upload_end"] == "rst"
    assert verdict.figures["linger"] == pytest.approx(rst_after - 0.00001, abs=1e-6)


@pytest.mark.parametrize("response, answer_at, kinds, answer", [
    (CONTINUE, 0.0005, [], "100-continue"),
    (RESPONSE, 0.0005, [], "final-status"),
    (CONTINUE, 1.5, ["no-continue"], "late"),
])
def test_expect_continue_is_answered_by_100_or_a_final_status_in_time(response, answer_at, kinds, answer):
    talk = Talk(request=UPLOAD_HEAD.replace(b"\r\n\r\n", b"\r\nExpect: 100-continue\r\n\r\n"), response=response)
    verdict = checks_http.answers_expectation(only_connection(conversation(talk, response_at=answer_at,
                                                                           closing_at=answer_at + 0.001)), 1.0)
    assert verdict.kinds == kinds and verdict.figures["continue_answer"] == answer
