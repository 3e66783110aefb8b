"""The article's claims pass crafted conversations that keep the claim, and for those that break it report
the kind of problem, the connection and the frame to blame (never the words of a message)."""

from crafted import RESPONSE, SERVER_FIN, T0, Talk, analyse

from wirecheck.checks import _process_table as process_claims
from wirecheck.checks import _several_connections as claims
from wirecheck.checks._timing import Tolerance
from wirecheck.checks._verdict import Problem, Verdict

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


def only_problem(verdict: Verdict) -> Problem:
    assert len(verdict.problems) == 1, verdict.problems
    return verdict.problems[0]


def blamed(verdict: Verdict) -> list[tuple[str, object, object]]:
    """Each problem's kind, connection and frame."""
    return [(problem.kind, problem.connection, problem.segment) for problem in verdict.problems]


def noted(verdict: Verdict) -> list:
    return [segment for segment, _ in verdict.notes]


def responses(connections: list) -> list:
    return [connection.sent_by_server.first_data for connection in connections]


# second_waits_for_first


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


def test_second_waits_for_first_passes_a_second_response_after_the_first_server_fin_and_notes_both():
    first, second = pair(0.501)
    verdict = claims.second_waits_for_first(first, second, waits=True)
    assert verdict.ok
    assert noted(verdict) == [first.sent_by_server.fin, second.sent_by_server.first_data]


def test_second_waits_for_first_blames_a_second_response_before_the_first_server_fin():
    first, second = pair(0.1005)
    problem = only_problem(claims.second_waits_for_first(first, second, waits=True))
    assert (problem.kind, problem.segment) == ("client-did-not-wait", second.sent_by_server.first_data)
    assert problem.segment.payload == RESPONSE


def test_second_waits_for_first_says_a_response_while_the_first_never_closed_did_not_wait():
    first, second = pair(0.6, first_closes=False)
    problem = only_problem(claims.second_waits_for_first(first, second, waits=True))
    assert (problem.kind, problem.segment) == ("client-did-not-wait", second.sent_by_server.first_data)


def test_second_not_waiting_passes_a_second_response_while_the_first_is_open_and_notes_it():
    first, second = pair(0.1005)
    verdict = claims.second_waits_for_first(first, second, waits=False)
    assert verdict.ok
    assert noted(verdict) == [second.sent_by_server.first_data]


def test_second_not_waiting_passes_when_the_first_connection_never_closed():
    assert claims.second_waits_for_first(*pair(0.6, first_closes=False), waits=False).ok


def test_second_not_waiting_blames_a_second_response_after_the_first_fin():
    first, second = pair(0.501)
    problem = only_problem(claims.second_waits_for_first(first, second, waits=False))
    assert (problem.kind, problem.segment) == ("client-waited", second.sent_by_server.first_data)


def test_second_not_waiting_without_a_second_response_blames_its_last_frame():
    first, second = pair(None)
    problem = only_problem(claims.second_waits_for_first(first, second, waits=False))
    assert (problem.kind, problem.connection, problem.segment) == ("not-served", second, second.segments[-1])


# served_in_turn and served_together


def one_at_a_time(close_after: float = DELAY) -> list:
    """Three clients at once; the server answers each a delay after the previous one."""
    return conversation(*(answered(n, T0 + n * 0.001, respond_after=n * DELAY, close_after=close_after)
                          for n in range(3)))


def all_at_once() -> list:
    return conversation(*(answered(n, T0 + n * 0.001) for n in range(3)))


def test_served_in_turn_passes_responses_one_delay_apart_each_after_the_previous_close_and_notes_each():
    found = one_at_a_time()
    verdict = claims.served_in_turn(found, DELAY, TOLERANCE)
    assert verdict.ok, verdict.problems
    assert noted(verdict) == responses(found)


def test_served_in_turn_passes_a_late_client_answered_on_arrival_by_an_idle_server():
    late = answered(3, T0 + 3 * DELAY)  # after the two others are done: nobody to wait for
    found = conversation(answered(1, T0), answered(2, T0 + 0.001, respond_after=DELAY), late)
    verdict = claims.served_in_turn(found, DELAY, TOLERANCE)
    assert verdict.ok, verdict.problems
    assert noted(verdict) == responses(found)


def test_served_in_turn_blames_each_later_response_when_nobody_waited():
    found = all_at_once()
    verdict = claims.served_in_turn(found, DELAY, TOLERANCE)
    assert blamed(verdict) == [("served-out-of-turn", c, c.sent_by_server.first_data) for c in found[1:]]


def test_served_in_turn_blames_each_later_response_that_came_while_the_previous_connection_was_open():
    found = one_at_a_time(close_after=1.5 * DELAY)
    verdict = claims.served_in_turn(found, DELAY, TOLERANCE)
    assert blamed(verdict) == [("client-did-not-wait", c, c.sent_by_server.first_data) for c in found[1:]]


def test_served_in_turn_blames_the_last_frame_of_a_connection_never_answered():
    t = talk(3)
    unanswered = [t.syn(T0 + 0.002), t.syn_ack(T0 + 0.00203), t.handshake_ack(T0 + 0.00206)]
    found = conversation(answered(1, T0), answered(2, T0 + 0.001, respond_after=DELAY), unanswered)
    verdict = claims.served_in_turn(found, DELAY, TOLERANCE)
    assert blamed(verdict) == [("not-served", found[2], found[2].segments[-1])]


def test_served_together_passes_responses_right_after_their_requests():
    verdict = claims.served_together(all_at_once(), DELAY, TOLERANCE)
    assert verdict.ok, verdict.problems


def test_served_together_blames_the_responses_that_waited():
    found = one_at_a_time()
    verdict = claims.served_together(found, DELAY, TOLERANCE)
    assert blamed(verdict) == [("client-waited", c, c.sent_by_server.first_data) for c in found[1:]]


# accept_queue_overflow


def queued(number: int, start: float) -> list:
    t = talk(number)
    return [t.syn(start), t.syn_ack(start + 0.00003), t.handshake_ack(start + 0.00006)]


def dropped(number: int, start: float, again_after: float | None = claims.INITIAL_RTO_SECONDS,
            answered: bool = True) -> list:
    """A client whose SYN is dropped and sent again `again_after` later (never, if None), then answered at once
    (unless not `answered`)."""
    t = talk(number)
    if again_after is None:
        return [t.syn(start)]
    retry = start + again_after
    answer = [t.syn_ack(retry + 0.00003), t.handshake_ack(retry + 0.00006)] if answered else []
    return [t.syn(start), t.syn(retry), *answer]


def syns(connection) -> list:
    return [segment for segment in connection.sent_by_client.segments if segment.flag_text == "S"]


def test_accept_queue_overflow_passes_backlog_plus_one_at_once_then_syns_sent_again_after_the_initial_rto():
    found = conversation(queued(1, T0), queued(2, T0 + 0.001), dropped(3, T0 + 0.002), dropped(4, T0 + 0.022))
    verdict = claims.accept_queue_overflow(found, BACKLOG, TOLERANCE)
    assert verdict.ok, verdict.problems
    # The queued clients' SYN-ACKs; for each dropped client its lone SYN, its second SYN and the SYN-ACK to it.
    assert set(noted(verdict)) == {found[0].syn_ack, found[1].syn_ack, *syns(found[2]), found[2].syn_ack,
                                   *syns(found[3]), found[3].syn_ack}


def test_accept_queue_overflow_blames_a_syn_past_the_queue_that_was_answered_at_once():
    found = conversation(queued(1, T0), queued(2, T0 + 0.001), queued(3, T0 + 0.002))
    verdict = claims.accept_queue_overflow(found, BACKLOG, TOLERANCE)
    assert blamed(verdict) == [("syn-answered", found[2], found[2].syn_ack)]


def test_accept_queue_overflow_blames_the_syn_of_a_queued_client_that_went_unanswered():
    found = conversation(queued(1, T0), dropped(2, T0 + 0.001))
    verdict = claims.accept_queue_overflow(found, BACKLOG, TOLERANCE)
    assert blamed(verdict) == [("syn-unanswered", found[1], found[1].syn)]


def test_accept_queue_overflow_blames_a_syn_sent_again_at_another_time_than_the_initial_rto():
    found = conversation(queued(1, T0), queued(2, T0 + 0.001), dropped(3, T0 + 0.002, again_after=3.0))
    verdict = claims.accept_queue_overflow(found, BACKLOG, TOLERANCE)
    assert blamed(verdict) == [("syn-retry-off-time", found[2], syns(found[2])[1])]


def test_accept_queue_overflow_blames_a_dropped_syn_never_sent_again():
    found = conversation(queued(1, T0), queued(2, T0 + 0.001), dropped(3, T0 + 0.002, again_after=None))
    verdict = claims.accept_queue_overflow(found, BACKLOG, TOLERANCE)
    assert blamed(verdict) == [("syn-not-retried", found[2], found[2].syn)]


def test_accept_queue_overflow_blames_a_second_syn_left_unanswered_after_the_queue_drained():
    found = conversation(queued(1, T0), queued(2, T0 + 0.001), dropped(3, T0 + 0.002, answered=False))
    verdict = claims.accept_queue_overflow(found, BACKLOG, TOLERANCE)
    assert blamed(verdict) == [("syn-unanswered", found[2], syns(found[2])[1])]


# fin_follows_last_close


def test_fin_follows_last_close_passes_a_fin_one_delay_after_the_response_to_a_later_request():
    connection, = conversation(answered(1, T0))
    verdict = claims.fin_follows_last_close(connection, T0 + 0.0001, DELAY, TOLERANCE)
    assert verdict.ok, verdict.problems


def test_fin_follows_last_close_blames_a_request_sent_before_the_parent_closed_its_copy():
    connection, = conversation(answered(1, T0))
    verdict = claims.fin_follows_last_close(connection, T0 + 0.001, DELAY, TOLERANCE)
    assert blamed(verdict) == [("request-before-parent-close", connection, connection.sent_by_client.first_data)]


def test_fin_follows_last_close_blames_a_fin_before_the_request_and_the_missing_response():
    t = talk(1)
    connection, = conversation([t.syn(T0), t.syn_ack(T0 + 0.00003), t.handshake_ack(T0 + 0.00006),
                                t.by_server(T0 + 0.0001, "FA", 1, 1), t.request_data(T0 + 0.01)])
    verdict = claims.fin_follows_last_close(connection, T0 + 0.005, DELAY, TOLERANCE)
    fin = connection.sent_by_server.fin
    assert blamed(verdict) == [("server-fin-early", connection, fin), ("no-response", connection, fin)]


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
    verdict = claims.served_then_refused(found, served=2)
    assert verdict.ok, verdict.problems
    assert [c.state for c in found[2:]] == ["RSTR", "REJ"]


def test_served_then_refused_blames_a_refusal_before_the_limit_and_an_answer_past_it():
    found = conversation(refused(1, T0), answered(2, T0 + 0.01, close_after=0))
    verdict = claims.served_then_refused(found, served=1)
    assert blamed(verdict) == [("not-served", found[0], found[0].sent_by_server.rst),
                               ("served-unexpectedly", found[1], found[1].sent_by_server.first_data)]


def test_served_then_refused_blames_the_last_frame_of_a_connection_past_the_limit_neither_refused_nor_reset():
    found = conversation(answered(1, T0, close_after=0), queued(2, T0 + 0.01))
    verdict = claims.served_then_refused(found, served=1)
    assert blamed(verdict) == [("not-turned-away", found[1], found[1].segments[-1])]


# zombies, descriptors_not_grown and server_running: process-table facts, anchored to the frame at which they were seen


def last_frame_of_a_burst():
    connection, = conversation(answered(1, T0))
    return connection, connection.segments[-1]


def test_zombies_passes_a_count_in_the_expected_range_counts_them_and_notes_the_anchor():
    connection, anchor = last_frame_of_a_burst()
    verdict = process_claims.zombies(3, range(1, 4), "after the burst", anchor=anchor, connection=connection)
    assert verdict.ok
    assert (verdict.figures["zombies"], noted(verdict)) == (3, [anchor])


def test_zombies_blames_the_anchor_for_one_more_than_expected():
    connection, anchor = last_frame_of_a_burst()
    verdict = process_claims.zombies(1, range(0, 1), "after the burst", anchor=anchor, connection=connection)
    assert blamed(verdict) == [("zombie-children", connection, anchor)]
    assert verdict.figures["zombies"] == 1


def test_zombies_blames_the_anchor_for_one_fewer_than_expected():
    connection, anchor = last_frame_of_a_burst()
    verdict = process_claims.zombies(0, range(1, 4), "after the burst", anchor=anchor, connection=connection)
    assert blamed(verdict) == [("fewer-zombies", connection, anchor)]
    assert verdict.figures["zombies"] == 0


def test_descriptors_not_grown_passes_growth_within_the_slack_and_counts_both_ends():
    connection, anchor = last_frame_of_a_burst()
    verdict = process_claims.descriptors_not_grown(4, 6, 2, "the burst", anchor, connection)
    assert verdict.ok
    assert (verdict.figures, noted(verdict)) == ({"descriptors_before": 4, "descriptors_after": 6}, [anchor])


def test_descriptors_not_grown_blames_the_anchor_for_growth_past_the_slack():
    connection, anchor = last_frame_of_a_burst()
    verdict = process_claims.descriptors_not_grown(4, 7, 2, "the burst", anchor, connection)
    assert blamed(verdict) == [("descriptor-growth", connection, anchor)]
    assert verdict.figures == {"descriptors_before": 4, "descriptors_after": 7}


def test_server_running_passes_a_server_that_still_runs():
    connection, anchor = last_frame_of_a_burst()
    assert process_claims.server_running(True, "", anchor=anchor, connection=connection).ok


def test_server_running_blames_the_anchor_when_the_server_exited():
    connection, anchor = last_frame_of_a_burst()
    verdict = process_claims.server_running(False, "OSError: [Errno 24]", anchor=anchor, connection=connection)
    assert blamed(verdict) == [("server-died", connection, anchor)]
