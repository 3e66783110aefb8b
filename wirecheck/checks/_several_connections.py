"""Claims over several connections: one client at a time, the listen backlog, who is served after a crash.

A check (wirecheck.checks) judges one connection; a claim here judges how connections relate;
the claims about what the process table shows are in wirecheck.checks._process_table. Each problem
names the connection and the frame it is about.
"""

from wirecheck import checks
from wirecheck.checks._timing import Tolerance, seconds
from wirecheck.checks._verdict import Verdict
from wirecheck.model._flows import Connection
from wirecheck.model._frames import ACK, SYN, Segment

# Linux's initial retransmission timeout (TCP_TIMEOUT_INIT, RFC 6298): a SYN left unanswered is sent again after it.
INITIAL_RTO_SECONDS = 1.0


def second_waits_for_first(first: Connection, second: Connection, waits: bool) -> Verdict:
    """With `waits`, `second`'s response starts only once `first` is closing (one client at a time);
    without, it comes while `first` is still open (clients are served at once)."""
    verdict = Verdict(second)
    closing, response = first.closing, second.stream(False).first_data
    if response is None:
        verdict.problem("not-served", "expected a response on the second connection, none came", second.segments[-1])
    elif waits and closing is None:
        verdict.problem("client-did-not-wait", "expected the second response after the first connection's close, "
                                               "the first connection never closed", response)
    elif waits and response.time < closing.time:
        verdict.problem("client-did-not-wait", f"expected the second response after the first connection's close, "
                                               f"it came {seconds(closing.time - response.time)} before it", response)
    elif not waits and closing is not None and closing.time < response.time:
        verdict.problem("client-waited", f"expected the second response while the first connection was open, it came "
                                         f"{seconds(response.time - closing.time)} after the first connection's close",
                        response)
    elif waits:
        verdict.note(closing, "the first connection closes")
        verdict.note(response, f"second response, {seconds(response.time - closing.time)} after "
                               "the first connection's close: it waited")
    else:
        verdict.note(response, "second response while the first connection is still open: no waiting")
    return verdict


def served_in_turn(connections: list[Connection], delay: float, tolerance: Tolerance) -> Verdict:
    """One client at a time: in the order they were answered, each response begins `delay` after the previous
    one (the server's delay, its close, then its next accept()), once the previous connection is closed; a
    request that came later still, when the server was idle, is answered on arrival."""
    verdict = Verdict()
    answered = _in_order_of_response(verdict, connections)
    for number, (before, connection) in enumerate(zip(answered, answered[1:], strict=False), start=2):
        previous, response = before.stream(False).first_data, connection.stream(False).first_data
        request, fin = connection.stream(True).last_data, before.sent_by_server.fin
        gap, idle = response.time - previous.time, request.time - previous.time > delay
        expected = request.time - previous.time if idle else delay
        why = "its request came when the server was idle" if idle else "one client at a time"
        if not tolerance.allows(expected, gap):
            verdict.problem("served-out-of-turn", f"expected response {number} of {len(answered)} {seconds(expected)} "
                                                  f"after response {number - 1} ({why}), it came {seconds(gap)} after "
                                                  f"it; tolerance {seconds(tolerance.of(expected))}",
                            response, connection)
        elif fin is None or fin.time > response.time:
            verdict.problem("client-did-not-wait", f"expected response {number} after the server closed the "
                                                   f"connection of response {number - 1}, it came while that one "
                                                   "was open", response, connection)
        else:
            verdict.note(response, f"response {number} of {len(answered)}, {seconds(gap)} after response "
                                   f"{number - 1} (expected {seconds(expected)}: {why})")
    return verdict


def served_together(connections: list[Connection], delay: float, tolerance: Tolerance) -> Verdict:
    """No client waits for another: each response begins within the tolerance on `delay` after its own
    request, so that all are answered within about one delay, however many came at once."""
    verdict = Verdict()
    limit = tolerance.of(delay)
    for number, connection in enumerate(connections, start=1):
        request, response = connection.stream(True).last_data, connection.stream(False).first_data
        if request is None or response is None:
            verdict.problem("not-served", f"expected a request and its response on connection {number}, it ended "
                                          f"{connection.state} without", connection.segments[-1], connection)
            continue
        wait = response.time - request.time
        if wait > limit:
            verdict.problem("client-waited", f"expected connection {number}'s response within {seconds(limit)} of its "
                                             f"request (nobody waits out another client's {seconds(delay)}), it came "
                                             f"{seconds(wait)} after it", response, connection)
        else:
            verdict.note(response, f"connection {number} answered {seconds(wait)} after its request: "
                                   "it waited for nobody")
    fins = [c.sent_by_server.fin for c in connections if c.sent_by_server.fin is not None]
    if verdict.ok and fins and all(c.syn for c in connections):
        last, first = max(fins, key=lambda s: s.time), min(c.syn.time for c in connections)
        verdict.note(last, f"the last of {len(connections)} connections closed {seconds(last.time - first)} after "
                           f"the first SYN: all served within about one delay ({seconds(delay)})")
    return verdict


def _in_order_of_response(verdict: Verdict, connections: list[Connection]) -> list[Connection]:
    """The answered connections in the order their responses began; an unanswered one is a problem."""
    for number, connection in enumerate(connections, start=1):
        if connection.stream(False).first_data is None:
            verdict.problem("not-served", f"expected connection {number} answered, it ended {connection.state} "
                                          "without a response", connection.segments[-1], connection)
    answered = sorted((c for c in connections if c.stream(False).first_data is not None),
                      key=lambda c: c.stream(False).first_data.time)
    if answered:
        verdict.note(answered[0].stream(False).first_data, f"response 1 of {len(answered)}")
    return answered


def accept_queue_overflow(waiting: list[Connection], backlog: int, tolerance: Tolerance) -> Verdict:
    """Clients that connect one after another while the server is not accepting: the kernel completes the
    handshakes of the first backlog + 1 at once (Linux's accept queue holds one more than the backlog) and
    drops the SYNs of the others unanswered; each of these sends its SYN again after the initial
    retransmission timeout and, the queue having drained meanwhile, is answered at once then."""
    verdict = Verdict()
    capacity = backlog + 1
    for number, connection in enumerate(waiting, start=1):
        syns = [s for s in connection.sent_by_client.segments if s.flags & (SYN | ACK) == SYN]
        if not syns:
            verdict.problem("handshake-broken", f"expected client {number} to open with a SYN, the capture shows "
                                                "none", connection.segments[0], connection)
        elif number <= capacity:
            _syn_answered_at_once(verdict, connection, number, syns, backlog, tolerance)
        else:
            _syn_dropped_then_retried(verdict, connection, number, syns, backlog, tolerance)
    return verdict


def _syn_answered_at_once(verdict: Verdict, connection: Connection, number: int, syns: list[Segment], backlog: int,
                          tolerance: Tolerance) -> None:
    syn_ack, first = connection.syn_ack, syns[0]
    answered_first = syn_ack is not None and (len(syns) == 1 or syn_ack.time < syns[1].time)
    if not answered_first or syn_ack.time - first.time > tolerance.of(0):
        verdict.problem("syn-unanswered", f"expected client {number}'s SYN answered at once (place {number} of "
                                          f"{backlog + 1} in the accept queue: backlog {backlog} + 1), "
                                          f"{_syn_fate(syns, syn_ack)}", first, connection)
    else:
        verdict.note(syn_ack, f"SYN-ACK at once: client {number} waits in the accept queue (place {number} "
                              f"of {backlog + 1}: backlog {backlog} + 1)")


def _syn_dropped_then_retried(verdict: Verdict, connection: Connection, number: int, syns: list[Segment],
                              backlog: int, tolerance: Tolerance) -> None:
    syn_ack, first, capacity = connection.syn_ack, syns[0], backlog + 1
    if syn_ack is not None and (len(syns) == 1 or syn_ack.time < syns[1].time):
        verdict.problem("syn-answered", f"expected client {number}'s SYN dropped unanswered (the accept queue was "
                                        f"full: {capacity} clients for backlog {backlog}), {_syn_fate(syns, syn_ack)}",
                        syn_ack, connection)
        return
    verdict.note(first, f"SYN dropped, no answer: the accept queue is full ({capacity} clients for backlog {backlog})")
    if len(syns) < 2:
        verdict.problem("syn-not-retried", f"expected client {number} to send its SYN again "
                                           f"{seconds(INITIAL_RTO_SECONDS)} later, it did not", first, connection)
        return
    retry, gap = syns[1], syns[1].time - first.time
    if not tolerance.allows(INITIAL_RTO_SECONDS, gap):
        verdict.problem("syn-retry-off-time", f"expected client {number}'s SYN sent again "
                                              f"{seconds(INITIAL_RTO_SECONDS)} after the first (initial retransmission "
                                              f"timeout), it came after {seconds(gap)}; tolerance "
                                              f"{seconds(tolerance.of(INITIAL_RTO_SECONDS))}", retry, connection)
    else:
        verdict.note(retry, f"SYN sent again {seconds(gap)} after the first (initial retransmission timeout "
                            f"{seconds(INITIAL_RTO_SECONDS)})")
    if syn_ack is None or syn_ack.time < retry.time or syn_ack.time - retry.time > tolerance.of(0):
        verdict.problem("syn-unanswered", f"expected client {number}'s second SYN answered at once (the queue had "
                                          f"drained), {_syn_fate(syns, syn_ack)}", syn_ack or retry, connection)
    else:
        verdict.note(syn_ack, f"SYN-ACK to the second SYN: client {number}'s handshake completes "
                              f"{seconds(syn_ack.time - first.time)} after its first SYN")


def _syn_fate(syns: list[Segment], syn_ack: Segment | None) -> str:
    """What became of a client's SYNs, for a failure message."""
    if syn_ack is None:
        return f"none of its {len(syns)} SYNs was answered"
    sent_before = sum(s.time < syn_ack.time for s in syns)
    return f"it was answered {seconds(syn_ack.time - syns[0].time)} after its first SYN, after {sent_before} SYN(s)"


def fin_follows_last_close(connection: Connection, parent_closed_at: float, delay: float,
                           tolerance: Tolerance) -> Verdict:
    """The parent closes its copy of the connection first (by `parent_closed_at`, wall clock, as the process
    table showed) and nothing goes on the wire; the child, holding the last copy, still reads the request and
    answers, and the server's FIN leaves when the child closes, `delay` after its response."""
    verdict = Verdict(connection)
    request, server = connection.stream(True).first_data, connection.sent_by_server
    if request is None:
        verdict.problem("no-request", "expected the client's request, it sent none", connection.segments[-1])
        return verdict
    if request.time < parent_closed_at:
        verdict.problem("request-before-parent-close", f"expected the request after the parent had closed its copy, "
                                                       f"it was sent {seconds(parent_closed_at - request.time)} "
                                                       "before", request)
    else:
        verdict.note(request, f"request, {seconds(request.time - parent_closed_at)} after the parent's copy was seen "
                              "closed: only the child's copy is left")
    response = connection.stream(False).first_data
    for closing, name in ((server.fin, "FIN"), (server.rst, "RST")):
        if closing is not None and (response is None or closing.time < response.time):
            verdict.problem("server-fin-early" if name == "FIN" else "rst-instead-of-fin",
                            f"expected no server {name} before the child's response (closing one copy must not end "
                            f"the connection), one came at {seconds(closing.time - request.time, signed=True)} from "
                            "the request", closing)
    if response is None:
        verdict.problem("no-response", "expected the child to answer the request, no response came",
                        server.fin or request)
        return verdict
    return verdict.extend(checks.server_closes(connection, delay=delay, tolerance=tolerance))


def served_then_refused(connections: list[Connection], served: int) -> Verdict:
    """The first `served` connections are answered; every later one is turned away unanswered: refused (its
    SYN answered by RST: nothing listens any more) or reset after the kernel had completed its handshake."""
    verdict = Verdict()
    for number, connection in enumerate(connections, start=1):
        server, answer = connection.sent_by_server, connection.stream(False).first_data
        if number <= served:
            if answer is None:
                verdict.problem("not-served", f"expected connection {number} answered (the server serves the first "
                                              f"{served}), it got no response and ended {connection.state}",
                                server.rst or connection.segments[-1], connection)
            else:
                verdict.note(answer, f"connection {number} of the {served} served: answered")
        elif answer is not None:
            verdict.problem("served-unexpectedly", f"expected connection {number} turned away (the server stops "
                                                   f"serving after {served}), it was answered", answer,
                            connection)
        elif connection.state == "REJ":
            verdict.note(server.rst, f"connection {number} refused: RST answers the SYN, nothing listens any more")
        elif server.rst is not None:
            verdict.note(server.rst, f"connection {number} reset by the server, unanswered: the kernel had completed "
                                     "its handshake, no accept() ever took it")
        else:
            verdict.problem("not-turned-away", f"expected connection {number} refused or reset, it ended "
                                               f"{connection.state} without an answer", connection.segments[-1],
                            connection)
    return verdict
