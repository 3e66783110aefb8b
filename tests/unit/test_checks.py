"""Each check passes a good crafted conversation, and for a bad one reports the kind of problem, the frame
to blame and what it measured (never the words of its message: those are for people)."""

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
    exchange,
    only_connection,
)

from wirecheck import checks
from wirecheck.checks._endings import closes_after_the_client
from wirecheck.checks._timing import Tolerance, seconds
from wirecheck.checks._verdict import Problem, Verdict

TALK = Talk()
TOLERANCE = Tolerance()
# Server FIN 1.0 s after the response, then the client's FIN and the last ACK.
ONE_SECOND_OFFSETS = (0.0, 0.00003, 0.00006, 0.0002, 0.0005, 1.0005, 1.0007, 1.0008)
# A SYN-ACK 50 ms after the SYN, everything else as prompt as usual.
SLOW_SYN_ACK_OFFSETS = (0.0, 0.05, 0.05003, 0.0502, 0.0505, 0.0506, 0.0508, 0.0509)
# A response shorter than its Content-Length says.
SHORT_RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n" + BODY


def only_problem(verdict: Verdict) -> Problem:
    assert len(verdict.problems) == 1, verdict.problems
    return verdict.problems[0]


def blamed(problem: Problem) -> tuple[str, int, str]:
    """The problem's kind, and the index and flags of the frame it blames."""
    return problem.kind, problem.segment.index, problem.segment.flag_text


def noted_indices(verdict: Verdict) -> list[int]:
    return [segment.index for segment, _ in verdict.notes]


def with_frames(replacements: dict[int, object], frames=None) -> list:
    """The normal exchange with some positions replaced (a Frame) or dropped (None)."""
    frames = exchange() if frames is None else frames
    return [replacements.get(index, frame) for index, frame in enumerate(frames) if replacements.get(index, 1)]


def server_rst_instead_of_fin() -> list:
    return with_frames({SERVER_FIN: TALK.server_rst(T0 + 0.0006), CLIENT_FIN: None, CLIENT_FIN + 1: None})


# handshake


def test_handshake_passes_syn_syn_ack_ack_notes_all_three_and_measures_the_syn_ack_delay():
    verdict = checks.handshake(only_connection(exchange()))
    assert verdict.ok
    assert noted_indices(verdict) == [SYN, SYN_ACK, HANDSHAKE_ACK]
    assert verdict.figures["syn_ack_delay"] == pytest.approx(0.00003, abs=1e-6)


def test_handshake_without_the_syn_blames_the_syn_ack_that_came_first():
    problem = only_problem(checks.handshake(only_connection(exchange()[SYN_ACK:])))
    assert blamed(problem) == ("handshake-broken", 0, "SA")


def test_handshake_with_the_syn_ack_captured_before_the_syn_blames_the_syn_ack():
    frames = exchange()
    frames[SYN], frames[SYN_ACK] = frames[SYN_ACK], frames[SYN]
    problem = only_problem(checks.handshake(only_connection(frames)))
    assert blamed(problem) == ("handshake-broken", 0, "SA")


def test_handshake_with_the_ack_before_the_syn_ack_blames_the_second_frame():
    frames = exchange()
    frames[SYN_ACK], frames[HANDSHAKE_ACK] = frames[HANDSHAKE_ACK], frames[SYN_ACK]
    problem = only_problem(checks.handshake(only_connection(frames)))
    assert blamed(problem) == ("handshake-broken", 1, "A")


def test_handshake_with_a_syn_ack_acking_another_number_blames_it():
    frames = with_frames({SYN_ACK: TALK.by_server(T0 + 0.00003, "SA", 0, 7)})
    problem = only_problem(checks.handshake(only_connection(frames)))
    assert blamed(problem) == ("handshake-broken", SYN_ACK, "SA")


def test_handshake_without_the_third_frame_blames_no_frame():
    problem = only_problem(checks.handshake(only_connection(exchange()[:HANDSHAKE_ACK])))
    assert (problem.kind, problem.segment) == ("handshake-broken", None)


def test_handshake_with_a_tolerance_passes_a_syn_ack_30_microseconds_after_the_syn():
    assert checks.handshake(only_connection(exchange()), TOLERANCE).ok


def test_handshake_without_a_tolerance_passes_a_syn_ack_50_ms_late():
    assert checks.handshake(only_connection(exchange(offsets=SLOW_SYN_ACK_OFFSETS))).ok


def test_handshake_with_a_tolerance_blames_a_syn_ack_50_ms_late_as_slow_and_measures_it():
    verdict = checks.handshake(only_connection(exchange(offsets=SLOW_SYN_ACK_OFFSETS)), TOLERANCE)
    assert blamed(only_problem(verdict)) == ("handshake-slow", SYN_ACK, "SA")
    assert verdict.figures["syn_ack_delay"] == pytest.approx(0.05, abs=1e-6)


# http_exchange


def http(frames) -> Verdict:
    return checks.http_exchange(only_connection(frames), "/hello", 200, BODY)


def test_http_exchange_passes_get_hello_answered_200_with_the_body():
    verdict = http(exchange())
    assert verdict.ok
    assert noted_indices(verdict) == [REQUEST_DATA, RESPONSE_DATA]


def test_http_exchange_blames_the_response_for_a_wrong_status():
    problem = only_problem(http(exchange(response=RESPONSE.replace(b"200 OK", b"404 No"))))
    assert blamed(problem) == ("wrong-status", RESPONSE_DATA, "PA")


def test_http_exchange_blames_the_last_response_segment_for_a_wrong_body():
    problem = only_problem(http(exchange(response=RESPONSE.replace(b"World", b"Wirld"))))
    assert blamed(problem) == ("wrong-body", RESPONSE_DATA, "PA")


def test_http_exchange_blames_the_request_for_another_target():
    problem = only_problem(http(exchange(request=REQUEST.replace(b"/hello", b"/bye"))))
    assert blamed(problem) == ("wrong-request", REQUEST_DATA, "PA")


def test_http_exchange_blames_a_response_sent_before_the_request():
    frames = exchange()
    frames[REQUEST_DATA], frames[RESPONSE_DATA] = frames[RESPONSE_DATA], frames[REQUEST_DATA]
    problem = only_problem(http(frames))
    assert (problem.kind, problem.segment.index, problem.segment.sport) == ("response-before-request", REQUEST_DATA,
                                                                            TALK.server_port)


def test_http_exchange_blames_the_request_when_it_is_not_http():
    problem = only_problem(http(exchange(request=b"\x16\x03\x01 hello\r\n\r\n")))
    assert blamed(problem) == ("malformed-http", REQUEST_DATA, "PA")


def test_http_exchange_without_a_request_blames_the_last_frame():
    connection = only_connection(with_frames({REQUEST_DATA: None}))
    problem = only_problem(checks.http_exchange(connection, "/hello", 200, BODY))
    assert (problem.kind, problem.segment) == ("no-request", connection.segments[-1])


def test_http_exchange_without_a_response_blames_the_last_frame():
    connection = only_connection(with_frames({RESPONSE_DATA: None}))
    problem = only_problem(checks.http_exchange(connection, "/hello", 200, BODY))
    assert (problem.kind, problem.segment) == ("no-response", connection.segments[-1])


def test_http_exchange_blames_the_last_response_segment_of_a_response_shorter_than_its_content_length():
    problem = only_problem(http(exchange(response=SHORT_RESPONSE)))
    assert blamed(problem) == ("incomplete-response", RESPONSE_DATA, "PA")


@pytest.mark.parametrize("response", [b"HTTP/1.1 200 OK\r\nContent-Length: \xb9\r\n\r\nx",
                                      b"HTTP/1.1 \xb200 OK\r\nContent-Length: 14\r\n\r\n" + BODY])
def test_http_exchange_reports_superscript_digits_as_malformed_http_instead_of_raising(response):
    problem = only_problem(http(exchange(response=response)))
    assert blamed(problem) == ("malformed-http", RESPONSE_DATA, "PA")


# response


def test_response_within_a_limit_passes_a_prompt_complete_response_and_measures_its_delay():
    verdict = checks.response(only_connection(exchange()), 200, within=0.01)
    assert verdict.ok
    assert verdict.figures["response_delay"] == pytest.approx(0.0003, abs=1e-6)


def test_response_within_a_limit_blames_a_response_that_came_later():
    problem = only_problem(checks.response(only_connection(exchange()), 200, within=0.0001))
    assert blamed(problem) == ("late-response", RESPONSE_DATA, "PA")


def test_response_without_a_request_blames_the_last_frame():
    connection = only_connection(with_frames({REQUEST_DATA: None}))
    problem = only_problem(checks.response(connection, 200, within=1.0))
    assert (problem.kind, problem.segment) == ("no-request", connection.segments[-1])


def test_response_not_asked_to_be_complete_passes_one_cut_short():
    assert checks.response(only_connection(exchange(response=SHORT_RESPONSE)), 200, within=0.01, complete=False).ok


def test_response_asked_to_be_complete_blames_one_cut_short():
    problem = only_problem(checks.response(only_connection(exchange(response=SHORT_RESPONSE)), 200))
    assert blamed(problem) == ("incomplete-response", RESPONSE_DATA, "PA")


# server_closes, a delay after the response


def closes(frames, delay: float = 0.0) -> Verdict:
    return checks.server_closes(only_connection(frames), delay=delay, tolerance=TOLERANCE)


def test_server_closes_passes_a_prompt_fin_notes_it_and_measures_its_delay():
    verdict = closes(exchange())
    assert verdict.ok
    assert noted_indices(verdict) == [RESPONSE_DATA, SERVER_FIN]
    assert verdict.figures["fin_delay"] == pytest.approx(0.0001, abs=1e-6)


def test_server_closes_passes_a_fin_one_second_later_when_expected():
    verdict = closes(exchange(offsets=ONE_SECOND_OFFSETS), delay=1.0)
    assert verdict.ok
    assert verdict.figures["fin_delay"] == pytest.approx(1.0, abs=1e-6)


def test_server_closes_blames_an_rst():
    problem = only_problem(closes(server_rst_instead_of_fin()))
    assert blamed(problem) == ("rst-instead-of-fin", SERVER_FIN, "RA")


def test_server_closes_without_fin_blames_the_last_response_byte():
    problem = only_problem(closes(exchange()[:SERVER_FIN]))
    assert blamed(problem) == ("no-server-fin", RESPONSE_DATA, "PA")


def test_server_closes_blames_a_fin_one_second_late_and_measures_it():
    verdict = closes(exchange(offsets=ONE_SECOND_OFFSETS), delay=0.0)
    assert blamed(only_problem(verdict)) == ("server-fin-late", SERVER_FIN, "FA")
    assert verdict.figures["fin_delay"] == pytest.approx(1.0, abs=1e-6)


def test_server_closes_blames_a_fin_earlier_than_the_delay_minus_its_tolerance_and_measures_it():
    verdict = closes(exchange(), delay=1.0)
    assert blamed(only_problem(verdict)) == ("server-fin-early", SERVER_FIN, "FA")
    assert verdict.figures["fin_delay"] == pytest.approx(0.0001, abs=1e-6)


@pytest.mark.parametrize(("fin_delay", "kinds"), [(0.87, ["server-fin-early"]), (0.88, []), (1.12, []),
                                                  (1.13, ["server-fin-late"])])
def test_server_closes_allows_the_delay_plus_or_minus_an_eighth(fin_delay, kinds):
    offsets = (0.0, 0.00003, 0.00006, 0.0002, 0.0005, 0.0005 + fin_delay, 0.0007 + fin_delay, 0.0008 + fin_delay)
    assert closes(exchange(offsets=offsets), delay=1.0).kinds == kinds


def test_server_closes_blames_the_client_fin_when_the_client_closed_first():
    frames = exchange()[:SERVER_FIN] + [TALK.client_fin(T0 + 0.0006, after_server_fin=False),
                                        TALK.server_fin(T0 + 0.0007, after_client_fin=True),
                                        TALK.by_client(T0 + 0.0008, "A", TALK.request_end + 1, TALK.response_end + 1)]
    problem = only_problem(closes(frames))
    assert (problem.kind, problem.segment.index, problem.segment.sport) == ("client-closed-first", SERVER_FIN,
                                                                            TALK.client_port)


def test_server_closes_blames_a_fin_without_any_response_as_early():
    frames = exchange(response=b"")[:RESPONSE_DATA] + [TALK.by_server(T0 + 0.001, "FA", 1, TALK.request_end)]
    problem = only_problem(closes(frames))
    assert blamed(problem) == ("server-fin-early", RESPONSE_DATA, "FA")


def test_server_closes_blames_a_fin_before_the_response_is_complete_as_early():
    problem = only_problem(closes(exchange(response=SHORT_RESPONSE)))
    assert blamed(problem) == ("server-fin-early", SERVER_FIN, "FA")


# server_closes, within a limit after the response


def test_server_closes_within_a_limit_passes_a_fin_inside_it():
    assert checks.server_closes(only_connection(exchange()), within=0.5).ok


def test_server_closes_within_a_limit_blames_a_fin_after_it_and_measures_it():
    verdict = checks.server_closes(only_connection(exchange(offsets=ONE_SECOND_OFFSETS)), within=0.5)
    assert blamed(only_problem(verdict)) == ("server-fin-late", SERVER_FIN, "FA")
    assert verdict.figures["fin_delay"] == pytest.approx(1.0, abs=1e-6)


# server_closes, the shape of its call


@pytest.mark.parametrize("when", [{}, {"delay": 0.0, "within": 0.5}], ids=["neither", "both"])
def test_server_closes_needs_either_a_delay_or_a_limit_and_says_so(when):
    with pytest.raises(TypeError, match=r"server_closes\(\) needs delay= .* or within="):
        checks.server_closes(only_connection(exchange()), **when)


def test_server_closes_takes_its_delay_by_name_only():
    with pytest.raises(TypeError, match="positional"):
        checks.server_closes(only_connection(exchange()), 0.0)  # type: ignore[misc]


# what a person reads


def test_a_timing_problem_shows_the_expected_and_the_measured_time_as_seconds_formats_them():
    """The one test that reads a message: not its words, but that people see the figures it measured."""
    verdict = closes(exchange(offsets=ONE_SECOND_OFFSETS), delay=0.0)
    shown = only_problem(verdict).message
    for value in (seconds(0.0, signed=True), seconds(verdict.figures["fin_delay"], signed=True),
                  seconds(TOLERANCE.of(0.0))):
        assert value in shown


# ends_in_state


def test_ends_in_state_passes_the_state_the_connection_ended_in_and_notes_its_closing():
    verdict = checks.ends_in_state(only_connection(exchange()), "SF")
    assert verdict.ok
    assert noted_indices(verdict) == [SERVER_FIN]


def test_ends_in_state_blames_the_closing_frame_of_a_connection_that_ended_otherwise():
    problem = only_problem(checks.ends_in_state(only_connection(exchange()), "S1"))
    assert blamed(problem) == ("wrong-end-state", SERVER_FIN, "FA")


# no_server_close_before and server_fin_between


def test_no_server_close_before_passes_a_fin_after_the_moment():
    assert checks.no_server_close_before(only_connection(exchange()), T0 + 0.0005, "the client gave up").ok


def test_no_server_close_before_blames_a_fin_before_the_moment_as_early():
    problem = only_problem(checks.no_server_close_before(only_connection(exchange()), T0 + 1.0, "the client gave up"))
    assert blamed(problem) == ("server-fin-early", SERVER_FIN, "FA")


def test_no_server_close_before_blames_an_rst_before_the_moment():
    problem = only_problem(checks.no_server_close_before(only_connection(server_rst_instead_of_fin()), T0 + 1.0,
                                                         "the end"))
    assert blamed(problem) == ("rst-instead-of-fin", SERVER_FIN, "RA")


def fin_between(frames, start: float, end: float) -> Verdict:
    return checks.server_fin_between(only_connection(frames), start, end, "the exit", TOLERANCE)


def test_server_fin_between_passes_a_fin_in_the_window_and_notes_it():
    verdict = fin_between(exchange(), T0, T0 + 0.0006)
    assert verdict.ok and noted_indices(verdict) == [SERVER_FIN]


def test_server_fin_between_allows_the_tolerance_floor_after_the_end():
    assert fin_between(exchange(), T0, T0 - 0.003).ok


def test_server_fin_between_blames_a_fin_after_the_window_as_late():
    problem = only_problem(fin_between(exchange(offsets=ONE_SECOND_OFFSETS), T0, T0 + 0.5))
    assert blamed(problem) == ("server-fin-late", SERVER_FIN, "FA")


def test_server_fin_between_blames_a_fin_before_the_window_as_early():
    problem = only_problem(fin_between(exchange(), T0 + 0.001, T0 + 0.5))
    assert blamed(problem) == ("server-fin-early", SERVER_FIN, "FA")


def test_server_fin_between_without_fin_blames_the_last_frame():
    frames = exchange()[:SERVER_FIN]
    problem = only_problem(fin_between(frames, T0, T0 + 1))
    assert (problem.kind, problem.segment.index) == ("no-server-fin", len(frames) - 1)


# client_fin_acknowledged_unanswered


def unclosed(server_ack: bool = True, server_fin_at: float | None = None) -> list:
    """The client gives up at +1.5 s: its FIN, the server's ACK of it, and maybe a server FIN."""
    frames = exchange()[:SERVER_FIN] + [TALK.client_fin(T0 + 1.5, after_server_fin=False)]
    if server_ack:
        frames.append(TALK.server_ack_of_client_fin(T0 + 1.50001))
    if server_fin_at is not None:
        frames.append(TALK.server_fin(T0 + server_fin_at, after_client_fin=True))
    return frames


def fin_unanswered(frames) -> Verdict:
    return checks.client_fin_acknowledged_unanswered(only_connection(frames), T0 + 3.0)


def test_client_fin_acknowledged_unanswered_passes_an_acked_client_fin_and_notes_fin_and_ack():
    verdict = fin_unanswered(unclosed())
    assert verdict.ok
    assert noted_indices(verdict) == [SERVER_FIN, SERVER_FIN + 1]


def test_client_fin_acknowledged_unanswered_passes_a_server_fin_after_the_deadline():
    assert fin_unanswered(unclosed(server_fin_at=3.5)).ok


def test_client_fin_acknowledged_unanswered_without_client_fin_blames_the_last_frame():
    frames = exchange()[:SERVER_FIN]
    problem = only_problem(fin_unanswered(frames))
    assert (problem.kind, problem.segment.index) == ("no-client-fin", len(frames) - 1)


def test_client_fin_acknowledged_unanswered_blames_a_client_fin_nobody_acked():
    problem = only_problem(fin_unanswered(unclosed(server_ack=False)))
    assert (problem.kind, problem.segment.index, problem.segment.sport) == ("client-fin-unacknowledged", SERVER_FIN,
                                                                            TALK.client_port)


def test_client_fin_acknowledged_unanswered_blames_a_server_fin_before_the_deadline_as_early():
    frames = unclosed(server_fin_at=1.6)
    problem = only_problem(fin_unanswered(frames))
    assert blamed(problem) == ("server-fin-early", len(frames) - 1, "FA")


# Verdict


def test_verdict_extend_gathers_notes_problems_and_figures_and_ignores_notes_without_a_frame():
    segment = only_connection(exchange()).syn
    first, second = Verdict(), Verdict()
    first.note(None, "nothing to attach to")
    first.note(segment, "a")
    first.figure("fin_delay", 1.0)
    second.problem("no-server-fin", "b", segment)
    second.figure("zombies", 3)
    combined = first.extend(second)
    assert combined is first
    assert (combined.notes, combined.kinds, combined.ok) == ([(segment, "a")], ["no-server-fin"], False)
    assert combined.figures == {"fin_delay": 1.0, "zombies": 3}


@pytest.mark.parametrize("reset_after, kinds", [(0.00002, []), (1.5, ["no-server-fin"])],
                         ids=["reset at once: nothing left to close", "reset after the deadline"])
def test_a_client_that_resets_its_own_connection_after_its_fin_leaves_the_server_nothing_to_close(reset_after, kinds):
    """Its stack resets a socket closed with bytes unread (TLS session tickets that came just before its FIN)."""
    fin_at = T0 + 0.001
    connection = only_connection([TALK.syn(T0), TALK.syn_ack(T0 + 0.00003), TALK.handshake_ack(T0 + 0.00006),
                                  TALK.request_data(T0 + 0.0002), TALK.client_fin(fin_at, after_server_fin=False),
                                  TALK.client_rst(fin_at + reset_after)])
    verdict = closes_after_the_client(connection, within=1.0)
    assert verdict.kinds == kinds
