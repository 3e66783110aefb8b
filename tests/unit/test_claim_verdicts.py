"""The verdicts of the article's claims pass crafted conversations that keep the claim and blame the frame
that breaks it in those that do not."""

from crafted import T0, Talk, analyse

from wirecheck import verdicts
from wirecheck.timing import Tolerance

TOLERANCE = Tolerance()
DELAY = 0.2
BACKLOG = 1


def talk(number: int) -> Talk:
    return Talk(client_port=40000 + number, client_isn=1000 * number)


def answered(number: int, start: float, respond_after: float = 0.0003, close_after: float = DELAY) -> list:
    """Client `number`'s exchange from `start`: request at once, response `respond_after` later, then the
    server's FIN `close_after` after the response, the client's FIN and the last ACK."""
    t = talk(number)
    response = start + 0.0002 + respond_after
    return [t.syn(start), t.syn_ack(start + 0.00003), t.handshake_ack(start + 0.00006), t.request_data(start + 0.0002),
            t.response_data(response), t.server_fin(response + close_after),
            t.client_fin(response + close_after + 0.0002), t.last_ack(response + close_after + 0.0003)]


def conversation(*exchanges: list) -> list:
    return analyse(sorted((frame for frames in exchanges for frame in frames), key=lambda frame: frame.time))


def messages(verdict: verdicts.Verdict) -> str:
    return " ".join(problem.message for problem in verdict.problems)


# served_in_turn and served_together


def one_at_a_time() -> list:
    """Three clients at once; the server answers each a delay after the previous one."""
    return conversation(*(answered(n, T0 + n * 0.001, respond_after=n * DELAY) for n in range(3)))


def all_at_once() -> list:
    return conversation(*(answered(n, T0 + n * 0.001) for n in range(3)))


def test_served_in_turn_passes_responses_one_delay_apart_each_after_the_previous_close():
    verdict = verdicts.served_in_turn(one_at_a_time(), DELAY, TOLERANCE)
    assert verdict.ok, verdict.problems
    assert any("response 3 of 3" in text for _, text in verdict.notes)


def test_served_in_turn_passes_a_late_client_answered_on_arrival_by_an_idle_server():
    late = answered(3, T0 + 3 * DELAY)  # after the two others are done: nobody to wait for
    found = conversation(answered(1, T0), answered(2, T0 + 0.001, respond_after=DELAY), late)
    verdict = verdicts.served_in_turn(found, DELAY, TOLERANCE)
    assert verdict.ok, verdict.problems
    assert any("its request came when the server was idle" in text for _, text in verdict.notes)


def test_served_in_turn_blames_the_second_response_when_nobody_waited():
    found = all_at_once()
    verdict = verdicts.served_in_turn(found, DELAY, TOLERANCE)
    assert "expected response 2 of 3 0.200 s after response 1 (one client at a time)" in messages(verdict)
    assert verdict.problems[0].segment is found[1].sent_by_server.first_data


def test_served_together_passes_responses_right_after_their_requests():
    verdict = verdicts.served_together(all_at_once(), DELAY, TOLERANCE)
    assert verdict.ok, verdict.problems


def test_served_together_blames_the_responses_that_waited():
    found = one_at_a_time()
    verdict = verdicts.served_together(found, DELAY, TOLERANCE)
    assert [p.segment for p in verdict.problems] == [c.sent_by_server.first_data for c in found[1:]]
    assert "expected connection 2's response within 25.000 ms of its request" in messages(verdict)


# accept_queue_overflow


def queued(number: int, start: float) -> list:
    t = talk(number)
    return [t.syn(start), t.syn_ack(start + 0.00003), t.handshake_ack(start + 0.00006)]


def dropped(number: int, start: float, again_after: float = verdicts.INITIAL_RTO_SECONDS,
            answered_at_once: bool = False) -> list:
    """A client whose SYN is dropped and sent again `again_after` later, then answered (or answered at once)."""
    t = talk(number)
    if answered_at_once:
        return queued(number, start)
    retry = start + again_after
    return [t.syn(start), t.syn(retry), t.syn_ack(retry + 0.00003), t.handshake_ack(retry + 0.00006)]


def test_accept_queue_overflow_passes_backlog_plus_one_at_once_then_syns_sent_again_after_the_initial_rto():
    found = conversation(queued(1, T0), queued(2, T0 + 0.001), dropped(3, T0 + 0.002), dropped(4, T0 + 0.022))
    verdict = verdicts.accept_queue_overflow(found, BACKLOG, TOLERANCE)
    assert verdict.ok, verdict.problems
    assert any("SYN dropped, no answer" in text for _, text in verdict.notes)


def test_accept_queue_overflow_blames_a_syn_past_the_queue_that_was_answered_at_once():
    found = conversation(queued(1, T0), queued(2, T0 + 0.001), dropped(3, T0 + 0.002, answered_at_once=True))
    verdict = verdicts.accept_queue_overflow(found, BACKLOG, TOLERANCE)
    assert "expected client 3's SYN dropped unanswered (the accept queue was full: 2 clients for backlog 1)" \
        in messages(verdict)
    assert verdict.problems[0].segment is found[2].syn_ack


def test_accept_queue_overflow_blames_a_queued_client_whose_syn_went_unanswered():
    found = conversation(queued(1, T0), dropped(2, T0 + 0.001))
    verdict = verdicts.accept_queue_overflow(found, BACKLOG, TOLERANCE)
    assert "expected client 2's SYN answered at once (place 2 of 2" in messages(verdict)
    assert verdict.problems[0].segment is found[1].syn


def test_accept_queue_overflow_blames_a_syn_sent_again_at_another_time():
    found = conversation(queued(1, T0), queued(2, T0 + 0.001), dropped(3, T0 + 0.002, again_after=3.0))
    verdict = verdicts.accept_queue_overflow(found, BACKLOG, TOLERANCE)
    assert "expected client 3's SYN sent again 1.000 s after the first" in messages(verdict)


# fin_follows_last_close


def test_fin_follows_last_close_passes_a_fin_one_delay_after_the_response_to_a_later_request():
    connection, = conversation(answered(1, T0))
    verdict = verdicts.fin_follows_last_close(connection, T0 + 0.0001, DELAY, TOLERANCE)
    assert verdict.ok, verdict.problems


def test_fin_follows_last_close_blames_a_fin_before_the_request():
    t = talk(1)
    connection, = conversation([t.syn(T0), t.syn_ack(T0 + 0.00003), t.handshake_ack(T0 + 0.00006),
                                t.by_server(T0 + 0.0001, "FA", 1, 1), t.request_data(T0 + 0.01)])
    verdict = verdicts.fin_follows_last_close(connection, T0 + 0.005, DELAY, TOLERANCE)
    assert "expected no server FIN before the child's response" in messages(verdict)
    assert "expected the child to answer the request, no response came" in messages(verdict)
    assert verdict.problems[0].segment is connection.sent_by_server.fin


# served_then_refused


def refused(number: int, start: float) -> list:
    t = talk(number)
    return [t.syn(start), t.by_server(start + 0.00003, "RA", 0, 1)]


def reset(number: int, start: float) -> list:
    t = talk(number)
    return [*queued(number, start), t.request_data(start + 0.0002), t.by_server(start + 0.001, "RA", 1, t.request_end)]


def test_served_then_refused_passes_answered_clients_then_reset_and_refused_ones():
    found = conversation(answered(1, T0, close_after=0), answered(2, T0 + 0.01, close_after=0), reset(3, T0 + 0.02),
                         refused(4, T0 + 0.03))
    verdict = verdicts.served_then_refused(found, served=2)
    assert verdict.ok, verdict.problems
    assert [c.state for c in found[2:]] == ["RSTR", "REJ"]


def test_served_then_refused_blames_an_answer_past_the_limit_and_a_refusal_before_it():
    found = conversation(refused(1, T0), answered(2, T0 + 0.01, close_after=0))
    verdict = verdicts.served_then_refused(found, served=1)
    assert "expected connection 1 answered (the server serves the first 1), it got no response and ended REJ" \
        in messages(verdict)
    assert "expected connection 2 turned away (the server stops serving after 1), it was answered" in messages(verdict)
