"""Each verdict passes a good crafted conversation and blames the offending frame of a bad one."""

import pytest
from crafted import (
    BODY,
    CLIENT_FIN,
    HANDSHAKE_ACK,
    REQUEST,
    REQUEST_DATA,
    RESPONSE,
    RESPONSE_DATA,
    SERVER_FIN,
    SYN,
    SYN_ACK,
    T0,
    Talk,
    analyse,
    exchange,
    only_connection,
)

from wirecheck import verdicts
from wirecheck.timing import Tolerance

TALK = Talk()
TOLERANCE = Tolerance()
# Server FIN 1.0 s after the response, then the client's FIN and the last ACK.
ONE_SECOND_OFFSETS = (0.0, 0.00003, 0.00006, 0.0002, 0.0005, 1.0005, 1.0007, 1.0008)


def only_problem(verdict: verdicts.Verdict) -> verdicts.Problem:
    assert len(verdict.problems) == 1, verdict.problems
    return verdict.problems[0]


def noted_indices(verdict: verdicts.Verdict) -> list[int]:
    return [segment.index for segment, _ in verdict.notes]


def with_frames(replacements: dict[int, object], frames=None) -> list:
    """The normal exchange with some positions replaced (a Frame) or dropped (None)."""
    frames = exchange() if frames is None else frames
    return [replacements.get(index, frame) for index, frame in enumerate(frames) if replacements.get(index, 1)]


# handshake


def test_handshake_passes_syn_syn_ack_ack_and_notes_all_three():
    verdict = verdicts.handshake(only_connection(exchange()))
    assert verdict.ok
    assert noted_indices(verdict) == [SYN, SYN_ACK, HANDSHAKE_ACK]


def test_handshake_without_the_syn_blames_the_syn_ack_that_came_first():
    problem = only_problem(verdicts.handshake(only_connection(exchange()[SYN_ACK:])))
    assert "expected the client's SYN as the first frame, got a [SA] from the server" in problem.message
    assert (problem.segment.index, problem.segment.flag_text) == (0, "SA")


def test_handshake_with_the_syn_ack_captured_before_the_syn_blames_the_syn_ack():
    frames = exchange()
    frames[SYN], frames[SYN_ACK] = frames[SYN_ACK], frames[SYN]
    problem = only_problem(verdicts.handshake(only_connection(frames)))
    assert "client's SYN as the first frame" in problem.message
    assert (problem.segment.index, problem.segment.flag_text) == (0, "SA")


def test_handshake_with_the_ack_before_the_syn_ack_blames_the_second_frame():
    frames = exchange()
    frames[SYN_ACK], frames[HANDSHAKE_ACK] = frames[HANDSHAKE_ACK], frames[SYN_ACK]
    problem = only_problem(verdicts.handshake(only_connection(frames)))
    assert "server's SYN-ACK acknowledging the SYN as the second frame, got a [A] from the client" in problem.message
    assert (problem.segment.index, problem.segment.flag_text) == (1, "A")


def test_handshake_with_a_syn_ack_acking_another_number_blames_it():
    frames = with_frames({SYN_ACK: TALK.by_server(T0 + 0.00003, "SA", 0, 7)})
    problem = only_problem(verdicts.handshake(only_connection(frames)))
    assert "SYN-ACK acknowledging the SYN" in problem.message
    assert problem.segment.index == SYN_ACK


def test_handshake_without_the_third_frame_says_no_frame():
    problem = only_problem(verdicts.handshake(only_connection(exchange()[:HANDSHAKE_ACK])))
    assert problem.message.endswith("client's ACK of the SYN-ACK as the third frame, got no frame")
    assert problem.segment is None


def test_handshake_completes_at_once_passes_a_syn_ack_30_microseconds_after_the_syn():
    assert verdicts.handshake_completes_at_once(only_connection(exchange()), TOLERANCE).ok


def test_handshake_completes_at_once_blames_a_syn_ack_50_ms_late():
    frames = exchange(offsets=(0.0, 0.05, 0.05003, 0.0502, 0.0505, 0.0506, 0.0508, 0.0509))
    problem = only_problem(verdicts.handshake_completes_at_once(only_connection(frames), TOLERANCE))
    assert "expected the SYN-ACK at once, it came 50" in problem.message and "after the SYN" in problem.message
    assert problem.segment.index == SYN_ACK


# http_exchange


def http(frames) -> verdicts.Verdict:
    return verdicts.http_exchange(only_connection(frames), "/hello", 200, BODY)


def test_http_exchange_passes_get_hello_answered_200_with_the_body():
    verdict = http(exchange())
    assert verdict.ok
    assert noted_indices(verdict) == [REQUEST_DATA, RESPONSE_DATA]


def test_http_exchange_blames_the_response_for_a_wrong_status():
    wrong = RESPONSE.replace(b"200 OK", b"404 No")
    problem = only_problem(http(exchange(response=wrong)))
    assert "expected status 200, the server answered 'HTTP/1.1 404 No'" in problem.message
    assert problem.segment.index == RESPONSE_DATA


def test_http_exchange_blames_the_last_response_segment_for_a_wrong_body():
    wrong = RESPONSE.replace(b"World", b"Wirld")
    problem = only_problem(http(exchange(response=wrong)))
    assert "expected the body b'Hello, World!\\n', the server sent b'Hello, Wirld!\\n'" in problem.message
    assert problem.segment.index == RESPONSE_DATA


def test_http_exchange_blames_the_request_for_another_target():
    problem = only_problem(http(exchange(request=REQUEST.replace(b"/hello", b"/bye"))))
    assert "expected GET /hello, the client sent 'GET /bye HTTP/1.1'" in problem.message
    assert problem.segment.index == REQUEST_DATA


def test_http_exchange_blames_a_response_sent_before_the_request():
    frames = exchange()
    frames[REQUEST_DATA], frames[RESPONSE_DATA] = frames[RESPONSE_DATA], frames[REQUEST_DATA]
    problem = only_problem(http(frames))
    assert "it began before the request was complete" in problem.message
    assert (problem.segment.index, problem.segment.sport) == (REQUEST_DATA, TALK.server_port)


def test_http_exchange_blames_the_request_when_it_is_not_http():
    problem = only_problem(http(exchange(request=b"\x16\x03\x01 hello\r\n\r\n")))
    assert "expected an HTTP request: illegal request line" in problem.message
    assert problem.segment.index == REQUEST_DATA


def test_http_exchange_without_a_response_says_so_at_the_last_frame():
    connection = only_connection(with_frames({RESPONSE_DATA: None}))
    problem = only_problem(verdicts.http_exchange(connection, "/hello", 200, BODY))
    assert "expected an HTTP response: no final response in 0 bytes" in problem.message
    assert problem.segment is connection.segments[-1]


def test_http_exchange_blames_a_response_shorter_than_its_content_length():
    short = b"HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n" + BODY
    assert not http(exchange(response=short)).ok


@pytest.mark.parametrize("response", [b"HTTP/1.1 200 OK\r\nContent-Length: \xb9\r\n\r\nx",
                                      b"HTTP/1.1 \xb200 OK\r\nContent-Length: 14\r\n\r\n" + BODY])
def test_http_exchange_reports_superscript_digits_as_a_problem_instead_of_raising(response):
    problem = only_problem(http(exchange(response=response)))
    assert "expected" in problem.message


# server_closes_after_response


def closes(frames, delay: float = 0.0) -> verdicts.Verdict:
    return verdicts.server_closes_after_response(only_connection(frames), delay, TOLERANCE)


def test_server_closes_after_response_passes_a_prompt_fin_and_notes_it():
    verdict = closes(exchange())
    assert verdict.ok
    assert noted_indices(verdict) == [RESPONSE_DATA, SERVER_FIN]


def test_server_closes_after_response_passes_a_fin_one_second_later_when_expected():
    assert closes(exchange(offsets=ONE_SECOND_OFFSETS), delay=1.0).ok


def test_server_closes_after_response_blames_an_rst():
    problem = only_problem(closes(with_frames({SERVER_FIN: TALK.server_rst(T0 + 0.0006), CLIENT_FIN: None,
                                               CLIENT_FIN + 1: None})))
    assert "expected the server to close with FIN, it sent RST" in problem.message
    assert (problem.segment.index, problem.segment.flag_text) == (SERVER_FIN, "RA")


def test_server_closes_after_response_without_fin_blames_the_last_response_byte():
    problem = only_problem(closes(exchange()[:SERVER_FIN]))
    assert "no server FIN was sent" in problem.message
    assert problem.segment.index == RESPONSE_DATA


def test_server_closes_after_response_blames_a_late_fin():
    problem = only_problem(closes(exchange(offsets=ONE_SECOND_OFFSETS), delay=0.0))
    assert "expected the server FIN at +0" in problem.message
    assert "after the last response byte, happened at +1.000 s" in problem.message
    assert problem.segment.index == SERVER_FIN


def test_server_closes_after_response_blames_an_early_fin():
    problem = only_problem(closes(exchange(), delay=1.0))
    assert "expected the server FIN at +1.000 s after the last response byte" in problem.message
    assert "tolerance 0.125 s" in problem.message
    assert problem.segment.index == SERVER_FIN


def test_server_closes_after_response_blames_the_client_fin_when_the_client_closed_first():
    frames = exchange()[:SERVER_FIN] + [TALK.client_fin(T0 + 0.0006, after_server_fin=False),
                                        TALK.server_fin(T0 + 0.0007, after_client_fin=True),
                                        TALK.by_client(T0 + 0.0008, "A", TALK.request_end + 1, TALK.response_end + 1)]
    problem = only_problem(closes(frames))
    assert "expected the server to close first, the client closed first" in problem.message
    assert (problem.segment.index, problem.segment.sport) == (SERVER_FIN, TALK.client_port)


def test_server_closes_after_response_blames_a_fin_without_any_response():
    frames = exchange(response=b"")[:RESPONSE_DATA] + [TALK.by_server(T0 + 0.001, "FA", 1, TALK.request_end)]
    problem = only_problem(closes(frames))
    assert "the server sent no data" in problem.message
    assert (problem.segment.index, problem.segment.flag_text) == (RESPONSE_DATA, "FA")


# server_silent_until and server_closes_between


def test_server_silent_until_passes_a_fin_after_the_moment():
    assert verdicts.server_silent_until(only_connection(exchange()), T0 + 0.0005, "the client gave up").ok


def test_server_silent_until_blames_a_fin_before_the_moment():
    problem = only_problem(verdicts.server_silent_until(only_connection(exchange()), T0 + 1.0, "the client gave up"))
    assert "expected no server FIN before the client gave up, one came" in problem.message
    assert problem.segment.index == SERVER_FIN


def test_server_silent_until_blames_an_rst_before_the_moment():
    frames = with_frames({SERVER_FIN: TALK.server_rst(T0 + 0.0006), CLIENT_FIN: None, CLIENT_FIN + 1: None})
    problem = only_problem(verdicts.server_silent_until(only_connection(frames), T0 + 1.0, "the end"))
    assert "expected no server RST before the end" in problem.message
    assert problem.segment.index == SERVER_FIN


def test_server_closes_between_passes_a_fin_in_the_window_and_notes_it():
    verdict = verdicts.server_closes_between(only_connection(exchange()), T0, T0 + 0.0006, "the exit", TOLERANCE)
    assert verdict.ok and noted_indices(verdict) == [SERVER_FIN]


def test_server_closes_between_allows_the_tolerance_floor_after_the_end():
    assert verdicts.server_closes_between(only_connection(exchange()), T0, T0 - 0.003, "the exit", TOLERANCE).ok


def test_server_closes_between_blames_a_fin_after_the_window():
    problem = only_problem(verdicts.server_closes_between(only_connection(exchange(offsets=ONE_SECOND_OFFSETS)),
                                                          T0, T0 + 0.5, "the exit", TOLERANCE))
    assert "expected the server FIN within" in problem.message
    assert "after the exit began, it came at +1.000 s" in problem.message
    assert problem.segment.index == SERVER_FIN


def test_server_closes_between_without_fin_blames_the_last_frame():
    frames = exchange()[:SERVER_FIN]
    problem = only_problem(verdicts.server_closes_between(only_connection(frames), T0, T0 + 1, "the exit", TOLERANCE))
    assert "expected a server FIN once the exit, none came" in problem.message
    assert problem.segment.index == len(frames) - 1


# client_fin_acked_not_answered


def unclosed(server_ack: bool = True, server_fin_at: float | None = None) -> list:
    """The client gives up at +1.5 s: its FIN, the server's ACK of it, and maybe a server FIN."""
    frames = exchange()[:SERVER_FIN] + [TALK.client_fin(T0 + 1.5, after_server_fin=False)]
    if server_ack:
        frames.append(TALK.server_ack_of_client_fin(T0 + 1.50001))
    if server_fin_at is not None:
        frames.append(TALK.server_fin(T0 + server_fin_at, after_client_fin=True))
    return frames


def test_client_fin_acked_not_answered_passes_an_acked_client_fin_and_notes_fin_and_ack():
    verdict = verdicts.client_fin_acked_not_answered(only_connection(unclosed()), T0 + 3.0)
    assert verdict.ok
    assert noted_indices(verdict) == [SERVER_FIN, SERVER_FIN + 1]


def test_client_fin_acked_not_answered_passes_a_server_fin_after_the_deadline():
    assert verdicts.client_fin_acked_not_answered(only_connection(unclosed(server_fin_at=3.5)), T0 + 3.0).ok


def test_client_fin_acked_not_answered_without_client_fin_blames_the_last_frame():
    frames = exchange()[:SERVER_FIN]
    problem = only_problem(verdicts.client_fin_acked_not_answered(only_connection(frames), T0 + 3.0))
    assert "expected a client FIN, the client never closed" in problem.message
    assert problem.segment.index == len(frames) - 1


def test_client_fin_acked_not_answered_blames_a_client_fin_nobody_acked():
    problem = only_problem(verdicts.client_fin_acked_not_answered(only_connection(unclosed(server_ack=False)),
                                                                  T0 + 3.0))
    assert "expected the server to acknowledge the client's FIN, it did not" in problem.message
    assert problem.segment.index == SERVER_FIN


def test_client_fin_acked_not_answered_blames_a_server_fin_before_the_deadline():
    frames = unclosed(server_fin_at=1.6)
    problem = only_problem(verdicts.client_fin_acked_not_answered(only_connection(frames), T0 + 3.0))
    assert "expected no server FIN before the server process was terminated" in problem.message
    assert (problem.segment.index, problem.segment.flag_text) == (len(frames) - 1, "FA")


# waits_for and answered_without_waiting


def pair(second_response_at: float | None, first_closes: bool = True):
    """Two clients: the first's server FIN at +0.5 s, the second connects at +0.1 s, answered at the given time."""
    first = Talk(client_port=40001).frames(T0, (0.0, 0.00003, 0.00006, 0.0002, 0.0005, 0.5, 0.5002, 0.5003))
    if not first_closes:
        first = first[:SERVER_FIN]
    second = Talk(client_port=40002, client_isn=77)
    frames = [second.syn(T0 + 0.1), second.syn_ack(T0 + 0.10003), second.handshake_ack(T0 + 0.10006),
              second.request_data(T0 + 0.1002)]
    if second_response_at is not None:
        frames.append(second.response_data(T0 + second_response_at))
    found = analyse(sorted(first + frames, key=lambda frame: frame.time))
    assert [connection.client[1] for connection in found] == [40001, 40002]
    return found


def test_waits_for_passes_a_second_response_after_the_first_server_fin():
    first, second = pair(0.501)
    verdict = verdicts.waits_for(first, second)
    assert verdict.ok
    assert [segment for segment, _ in verdict.notes] == [first.sent_by_server.fin, second.sent_by_server.first_data]


def test_waits_for_blames_a_second_response_before_the_first_server_fin():
    first, second = pair(0.1005)
    problem = only_problem(verdicts.waits_for(first, second))
    assert "expected the second response after the first connection's close, it came" in problem.message
    assert problem.message.endswith(" s before it")
    assert problem.segment == second.sent_by_server.first_data
    assert problem.segment.payload == RESPONSE


def test_waits_for_blames_the_response_when_the_first_connection_never_closed():
    first, second = pair(0.6, first_closes=False)
    problem = only_problem(verdicts.waits_for(first, second))
    assert "expected the first connection to close and the second to get a response" in problem.message
    assert problem.segment == second.sent_by_server.first_data


def test_answered_without_waiting_passes_a_second_response_while_the_first_is_open():
    first, second = pair(0.1005)
    verdict = verdicts.answered_without_waiting(first, second)
    assert verdict.ok
    assert [segment for segment, _ in verdict.notes] == [second.sent_by_server.first_data]


def test_answered_without_waiting_passes_when_the_first_connection_never_closed():
    assert verdicts.answered_without_waiting(*pair(0.6, first_closes=False)).ok


def test_answered_without_waiting_blames_a_second_response_after_the_first_fin():
    first, second = pair(0.501)
    problem = only_problem(verdicts.answered_without_waiting(first, second))
    assert "expected the second response while the first connection was open, it came" in problem.message
    assert problem.message.endswith("after the first connection's close")
    assert problem.segment == second.sent_by_server.first_data


def test_answered_without_waiting_without_a_second_response_blames_its_last_frame():
    first, second = pair(None)
    problem = only_problem(verdicts.answered_without_waiting(first, second))
    assert "expected a response on the second connection, none came" in problem.message
    assert problem.segment == second.segments[-1]


# Verdict


def test_verdict_extend_gathers_notes_and_problems_and_ignores_notes_without_a_frame():
    segment = only_connection(exchange()).syn
    first, second = verdicts.Verdict(), verdicts.Verdict()
    first.note(None, "nothing to attach to")
    first.note(segment, "a")
    second.problem("b", segment)
    combined = first.extend(second)
    assert combined is first
    assert (combined.notes, [p.message for p in combined.problems], combined.ok) == ([(segment, "a")], ["b"], False)
