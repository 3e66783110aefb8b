"""What a connection was expected to do, checked against what it did.

Each check returns a Verdict: the frames it looked at, with what it saw (these become
packet comments in the saved capture), and the problems it found, each tied to the
frame that broke the expectation (marked in the ladder). The pytest tests, the
behaviour table of ``wirecheck.verify`` and the tests that run deliberately broken
servers all use these same functions, so a check shown to catch a broken server is
the very check that guards the good ones.
"""

from dataclasses import dataclass, field

from wirecheck.flows import STATES, Connection
from wirecheck.frames import ACK, SYN, Segment
from wirecheck.http import HttpParseError, HttpRequest, HttpResponse, parse_request, parse_response
from wirecheck.timing import Tolerance, seconds


@dataclass(frozen=True)
class Problem:
    message: str
    segment: Segment | None = None


@dataclass
class Verdict:
    notes: list[tuple[Segment, str]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def note(self, segment: Segment | None, text: str) -> None:
        if segment is not None:
            self.notes.append((segment, text))

    def problem(self, message: str, segment: Segment | None = None) -> None:
        self.problems.append(Problem(message, segment))

    def extend(self, other: "Verdict") -> "Verdict":
        self.notes += other.notes
        self.problems += other.problems
        return self


def handshake(connection: Connection) -> Verdict:
    """SYN, SYN-ACK, ACK are the connection's first three frames, in that order."""
    verdict = Verdict()
    first = connection.segments[:3] + [None] * (3 - len(connection.segments[:3]))
    syn, syn_ack, ack = first
    if syn is None or not connection.from_client(syn) or syn.flags & (SYN | ACK) != SYN:
        verdict.problem(f"expected the client's SYN as the first frame, got {_describe(connection, syn)}", syn)
        return verdict
    verdict.note(syn, "handshake 1/3: client SYN")
    if (syn_ack is None or connection.from_client(syn_ack) or syn_ack.flags & (SYN | ACK) != SYN | ACK
            or syn_ack.ack != (syn.seq + 1) % (1 << 32)):
        verdict.problem(f"expected the server's SYN-ACK acknowledging the SYN as the second frame, "
                        f"got {_describe(connection, syn_ack)}", syn_ack)
        return verdict
    verdict.note(syn_ack, f"handshake 2/3: server SYN-ACK, {seconds(syn_ack.time - syn.time)} after the SYN")
    if ack is None or ack is not connection.handshake_ack:
        verdict.problem(f"expected the client's ACK of the SYN-ACK as the third frame, "
                        f"got {_describe(connection, ack)}", ack)
        return verdict
    verdict.note(ack, "handshake 3/3: client ACK, connection established")
    return verdict


def http_exchange(connection: Connection, target: str, status: int, body: bytes) -> Verdict:
    """The client's GET `target` is answered, after it, by `status` with exactly `body`."""
    verdict = Verdict()
    client, server = connection.sent_by_client, connection.sent_by_server
    request = _parsed(verdict, "request", lambda: parse_request(client.data), client.first_data)
    if request is None:
        return verdict
    if (request.method, request.target) != ("GET", target):
        verdict.problem(f"expected GET {target}, the client sent {request.start_line!r}", client.first_data)
    verdict.note(client.first_data, f"request: {request.start_line}")
    response = _response(verdict, connection, status)
    if response is None:
        return verdict
    if response.body != body:
        verdict.problem(f"expected the body {body!r}, the server sent {response.body!r}", server.last_data)
    if server.first_data.index < client.last_data.index:
        verdict.problem("expected the response after the request, it began before the request was complete",
                        server.first_data)
    verdict.note(server.first_data, f"response: {response.start_line}, "
                                    f"{seconds(server.first_data.time - client.last_data.time)} after the request")
    return verdict


def complete_response(connection: Connection, status: int) -> Verdict:
    """The server answered with one complete HTTP response (by Content-Length, chunks or close) of `status`."""
    verdict = Verdict()
    response = _response(verdict, connection, status)
    if response is not None:
        verdict.note(connection.sent_by_server.first_data,
                     f"response: {response.start_line} ({len(response.body)} body bytes, end by {response.framing})")
    return verdict


def answered(connection: Connection, status: int, limit: float) -> Verdict:
    """The server began answering with `status` at most `limit` after the request (its end may still be due)."""
    verdict = responds_within(connection, limit)
    if verdict.ok:
        _response(verdict, connection, status, complete=False)
    return verdict


def _response(verdict: Verdict, connection: Connection, status: int, complete: bool = True) -> HttpResponse | None:
    """The parsed response, with a problem recorded if it is missing, of another status, or (if `complete`
    is asked for) cut short."""
    server = connection.sent_by_server
    response = _parsed(verdict, "response", lambda: parse_response(server.data, server.fin is not None),
                       server.first_data or connection.segments[-1])
    if response is None:
        return None
    if complete and not response.complete:
        ends_at = "the server's close, which did not come" if response.framing == "close" else "its framing"
        verdict.problem(f"expected a complete response, it was cut short: its end is {ends_at} "
                        f"({response.framing}, {len(response.body)} body bytes)", server.last_data)
    if response.status != status:
        verdict.problem(f"expected status {status}, the server answered {response.start_line!r}", server.first_data)
    return response


def server_closes_after_response(connection: Connection, delay: float, tolerance: Tolerance) -> Verdict:
    """The server sends FIN (not RST), before the client closes, `delay` after its last byte."""
    verdict = Verdict()
    gap = _fin_gap(verdict, connection, f"{seconds(delay)} after the response")
    if gap is None:
        return verdict
    if connection.first_closer != "server":
        verdict.problem("expected the server to close first, the client closed first",
                        connection.sent_by_client.fin or connection.sent_by_client.rst)
    if not tolerance.allows(delay, gap):
        verdict.problem(f"expected the server FIN at {seconds(delay, signed=True)} after the last response byte, "
                        f"happened at {seconds(gap, signed=True)}; tolerance {seconds(tolerance.of(delay))}",
                        connection.sent_by_server.fin)
    verdict.note(connection.sent_by_server.fin,
                 f"server FIN, {seconds(gap)} after the last response byte (expected {seconds(delay)})")
    return verdict


def server_closes_within(connection: Connection, limit: float) -> Verdict:
    """The server closes with FIN (not RST), after a complete response, at most `limit` after its last byte."""
    verdict = Verdict()
    gap = _fin_gap(verdict, connection, f"within {seconds(limit)} after the response")
    if gap is None:
        return verdict
    fin = connection.sent_by_server.fin
    try:
        complete = parse_response(connection.sent_by_server.data, closed=True).complete
    except HttpParseError:
        complete = False
    if not complete:
        verdict.problem("expected the server FIN after a complete response, it closed before the response was "
                        "complete", fin)
    if gap > limit:
        verdict.problem(f"expected the server FIN within {seconds(limit)} after the last response byte, "
                        f"it came {seconds(gap)} after it (late FIN)", fin)
    verdict.note(fin, f"server FIN, {seconds(gap)} after the last response byte (allowed: {seconds(limit)})")
    return verdict


def _fin_gap(verdict: Verdict, connection: Connection, expected: str) -> float | None:
    """Seconds from the last response byte to the server's FIN; None (with a problem) if there is no such gap."""
    server = connection.sent_by_server
    if server.rst is not None:
        verdict.problem("expected the server to close with FIN, it sent RST", server.rst)
    elif server.fin is None:
        verdict.problem(f"expected a server FIN {expected}, no server FIN was sent",
                        server.last_data or connection.segments[-1])
    elif server.last_data is None:
        verdict.problem("expected a response before the server FIN, the server sent no data", server.fin)
    else:
        verdict.note(server.last_data, "last response byte")
        return server.fin.time - server.last_data.time
    return None


def responds_within(connection: Connection, limit: float) -> Verdict:
    """The server's response begins at most `limit` after the client's request."""
    verdict = Verdict()
    request, response = connection.sent_by_client.last_data, connection.sent_by_server.first_data
    if request is None:
        verdict.problem("expected a request from the client, it sent none", connection.segments[-1])
    elif response is None:
        verdict.problem(f"expected a response within {seconds(limit)} after the request, none came",
                        connection.segments[-1])
    elif response.time - request.time > limit:
        verdict.problem(f"expected a response within {seconds(limit)} after the request, it came "
                        f"{seconds(response.time - request.time)} after it", response)
    else:
        verdict.note(response, f"response {seconds(response.time - request.time)} after the request")
    return verdict


def ends(connection: Connection, state: str) -> Verdict:
    """The connection ends in Zeek's `state` (see flows.STATES)."""
    verdict = Verdict()
    closing = _closing(connection) or connection.segments[-1]
    if connection.state != state:
        verdict.problem(f"expected the connection to end {state} ({STATES[state]}), it ended {connection.state} "
                        f"({STATES[connection.state]})", closing)
    else:
        verdict.note(closing, f"the connection ends {state}: {STATES[state]}")
    return verdict


def server_silent_until(connection: Connection, moment: float, what: str) -> Verdict:
    """The server sends no FIN and no RST before `moment` (wall clock); `what` names the moment."""
    verdict = Verdict()
    server = connection.sent_by_server
    for closing, name in ((server.fin, "FIN"), (server.rst, "RST")):
        if closing is not None and closing.time < moment:
            verdict.problem(f"expected no server {name} before {what}, one came "
                            f"{seconds(moment - closing.time)} before it", closing)
    return verdict


def server_closes_between(connection: Connection, start: float, end: float, what: str,
                          tolerance: Tolerance) -> Verdict:
    """The server's FIN comes after `start` and no later than `end` (plus the tolerance floor)."""
    verdict = Verdict()
    fin = connection.sent_by_server.fin
    if fin is None:
        verdict.problem(f"expected a server FIN once {what}, none came", connection.segments[-1])
    elif not start <= fin.time <= end + tolerance.floor:
        verdict.problem(f"expected the server FIN within {seconds(end - start)} after {what} began, "
                        f"it came at {seconds(fin.time - start, signed=True)}", fin)
    else:
        verdict.note(fin, f"server FIN, {seconds(fin.time - start)} after {what} began")
    return verdict


def client_fin_acked_not_answered(connection: Connection, before: float) -> Verdict:
    """The client's FIN is acknowledged by the server, who sends no FIN of its own before `before`."""
    verdict = Verdict()
    fin = connection.sent_by_client.fin
    if fin is None:
        verdict.problem("expected a client FIN, the client never closed", connection.segments[-1])
        return verdict
    fin_end = (fin.seq + len(fin.payload) + 1) % (1 << 32)
    acks = [s for s in connection.sent_by_server.segments if s.index > fin.index and s.has(ACK) and s.ack == fin_end]
    if not acks:
        verdict.problem("expected the server to acknowledge the client's FIN, it did not", fin)
        return verdict
    verdict.note(fin, "client FIN (the client gave up waiting)")
    verdict.note(acks[0], "server ACKs the client FIN but sends no FIN: its parent still holds the socket")
    return verdict.extend(server_silent_until(connection, before, "the server process was terminated"))


def waits_for(first: Connection, second: Connection) -> Verdict:
    """`second`'s response starts only once `first` is closing (its first FIN or RST): one client at a time."""
    verdict = Verdict()
    closing, response = _closing(first), second.sent_by_server.first_data
    if closing is None or response is None:
        verdict.problem("expected the first connection to close and the second to get a response",
                        response or closing or second.segments[-1])
    elif response.time < closing.time:
        verdict.problem(f"expected the second response after the first connection's close, it came "
                        f"{seconds(closing.time - response.time)} before it", response)
    else:
        verdict.note(closing, "the first connection closes")
        verdict.note(response, f"second response, {seconds(response.time - closing.time)} after "
                               "the first connection's close: it waited")
    return verdict


def answered_without_waiting(first: Connection, second: Connection) -> Verdict:
    """`second` gets its response while `first` is still open (clients are served at once)."""
    verdict = Verdict()
    closing, response = _closing(first), second.sent_by_server.first_data
    if response is None:
        verdict.problem("expected a response on the second connection, none came", second.segments[-1])
    elif closing is not None and closing.time < response.time:
        verdict.problem(f"expected the second response while the first connection was open, it came "
                        f"{seconds(response.time - closing.time)} after the first connection's close", response)
    else:
        verdict.note(response, "second response while the first connection is still open: no waiting")
    return verdict


def _closing(connection: Connection) -> Segment | None:
    """The connection's first FIN or RST, from either side."""
    client, server = connection.sent_by_client, connection.sent_by_server
    return min((s for s in (client.fin, client.rst, server.fin, server.rst) if s), key=lambda s: s.index,
               default=None)


def handshake_completes_at_once(connection: Connection, tolerance: Tolerance) -> Verdict:
    """The kernel answers the SYN at once, whatever the server process is doing."""
    verdict = handshake(connection)
    if verdict.ok:
        syn, syn_ack = connection.syn, connection.syn_ack
        if syn_ack.time - syn.time > tolerance.of(0):
            verdict.problem(f"expected the SYN-ACK at once, it came {seconds(syn_ack.time - syn.time)} after the SYN; "
                            f"tolerance {seconds(tolerance.of(0))}", syn_ack)
    return verdict


def _parsed(verdict: Verdict, what: str, parse, segment: Segment | None) -> HttpRequest | HttpResponse | None:
    try:
        return parse()
    except HttpParseError as error:
        verdict.problem(f"expected an HTTP {what}: {error}", segment)
        return None


def _describe(connection: Connection, segment: Segment | None) -> str:
    if segment is None:
        return "no frame"
    direction = "client" if connection.from_client(segment) else "server"
    return f"a [{segment.flag_text}] from the {direction}"


# The article's claims that span several connections (tests/test_claim_*.py).

# Linux's initial retransmission timeout (TCP_TIMEOUT_INIT, RFC 6298): a SYN left unanswered is sent again after it.
INITIAL_RTO_SECONDS = 1.0


def served_in_turn(connections: list[Connection], delay: float, tolerance: Tolerance) -> Verdict:
    """One client at a time: in the order they were answered, each response begins `delay` after the previous
    one (the server's delay, its close, then its next accept()), once the previous connection is closed; a
    request that came later still, when the server was idle, is answered on arrival."""
    verdict = Verdict()
    answered = _in_order_of_response(verdict, connections)
    for number, (before, connection) in enumerate(zip(answered, answered[1:], strict=False), start=2):
        previous, response = before.sent_by_server.first_data, connection.sent_by_server.first_data
        request, fin = connection.sent_by_client.last_data, before.sent_by_server.fin
        gap, idle = response.time - previous.time, request.time - previous.time > delay
        expected = request.time - previous.time if idle else delay
        why = "its request came when the server was idle" if idle else "one client at a time"
        if not tolerance.allows(expected, gap):
            verdict.problem(f"expected response {number} of {len(answered)} {seconds(expected)} after response "
                            f"{number - 1} ({why}), it came {seconds(gap)} after it; tolerance "
                            f"{seconds(tolerance.of(expected))}", response)
        elif fin is None or fin.time > response.time:
            verdict.problem(f"expected response {number} after the server closed the connection of response "
                            f"{number - 1}, it came while that one was open", response)
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
        request, response = connection.sent_by_client.last_data, connection.sent_by_server.first_data
        if request is None or response is None:
            verdict.problem(f"expected a request and its response on connection {number}, it ended "
                            f"{connection.state} without", connection.segments[-1])
            continue
        wait = response.time - request.time
        if wait > limit:
            verdict.problem(f"expected connection {number}'s response within {seconds(limit)} of its request "
                            f"(nobody waits out another client's {seconds(delay)}), it came {seconds(wait)} after it",
                            response)
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
        if connection.sent_by_server.first_data is None:
            verdict.problem(f"expected connection {number} answered, it ended {connection.state} without a response",
                            connection.segments[-1])
    answered = sorted((c for c in connections if c.sent_by_server.first_data is not None),
                      key=lambda c: c.sent_by_server.first_data.time)
    if answered:
        verdict.note(answered[0].sent_by_server.first_data, f"response 1 of {len(answered)}")
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
        syn_ack = connection.syn_ack
        if not syns:
            verdict.problem(f"expected client {number} to open with a SYN, the capture shows none",
                            connection.segments[0])
            continue
        first = syns[0]
        answered_first = syn_ack is not None and (len(syns) == 1 or syn_ack.time < syns[1].time)
        if number <= capacity:
            if not answered_first or syn_ack.time - first.time > tolerance.of(0):
                verdict.problem(f"expected client {number}'s SYN answered at once (place {number} of {capacity} in "
                                f"the accept queue: backlog {backlog} + 1), {_syn_fate(syns, syn_ack)}", first)
            else:
                verdict.note(syn_ack, f"SYN-ACK at once: client {number} waits in the accept queue (place {number} "
                                      f"of {capacity}: backlog {backlog} + 1)")
            continue
        if answered_first:
            verdict.problem(f"expected client {number}'s SYN dropped unanswered (the accept queue was full: "
                            f"{capacity} clients for backlog {backlog}), {_syn_fate(syns, syn_ack)}", syn_ack)
            continue
        verdict.note(first, f"SYN dropped, no answer: the accept queue is full ({capacity} clients for backlog "
                            f"{backlog})")
        if len(syns) < 2:
            verdict.problem(f"expected client {number} to send its SYN again {seconds(INITIAL_RTO_SECONDS)} later, "
                            "it did not", first)
            continue
        retry, gap = syns[1], syns[1].time - first.time
        if not tolerance.allows(INITIAL_RTO_SECONDS, gap):
            verdict.problem(f"expected client {number}'s SYN sent again {seconds(INITIAL_RTO_SECONDS)} after the "
                            f"first (initial retransmission timeout), it came after {seconds(gap)}; tolerance "
                            f"{seconds(tolerance.of(INITIAL_RTO_SECONDS))}", retry)
        else:
            verdict.note(retry, f"SYN sent again {seconds(gap)} after the first (initial retransmission timeout "
                                f"{seconds(INITIAL_RTO_SECONDS)})")
        if syn_ack is None or syn_ack.time < retry.time or syn_ack.time - retry.time > tolerance.of(0):
            verdict.problem(f"expected client {number}'s second SYN answered at once (the queue had drained), "
                            f"{_syn_fate(syns, syn_ack)}", syn_ack or retry)
        else:
            verdict.note(syn_ack, f"SYN-ACK to the second SYN: client {number}'s handshake completes "
                                  f"{seconds(syn_ack.time - first.time)} after its first SYN")
    return verdict


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
    verdict = Verdict()
    request, server = connection.sent_by_client.first_data, connection.sent_by_server
    if request is None:
        verdict.problem("expected the client's request, it sent none", connection.segments[-1])
        return verdict
    if request.time < parent_closed_at:
        verdict.problem(f"expected the request after the parent had closed its copy, it was sent "
                        f"{seconds(parent_closed_at - request.time)} before", request)
    else:
        verdict.note(request, f"request, {seconds(request.time - parent_closed_at)} after the parent's copy was seen "
                              "closed: only the child's copy is left")
    response = server.first_data
    for closing, name in ((server.fin, "FIN"), (server.rst, "RST")):
        if closing is not None and (response is None or closing.time < response.time):
            verdict.problem(f"expected no server {name} before the child's response (closing one copy must not end "
                            f"the connection), one came at {seconds(closing.time - request.time, signed=True)} from "
                            "the request", closing)
    if response is None:
        verdict.problem("expected the child to answer the request, no response came", server.fin or request)
        return verdict
    return verdict.extend(server_closes_after_response(connection, delay, tolerance))


def served_then_refused(connections: list[Connection], served: int) -> Verdict:
    """The first `served` connections are answered; every later one is turned away unanswered: refused (its
    SYN answered by RST: nothing listens any more) or reset after the kernel had completed its handshake."""
    verdict = Verdict()
    for number, connection in enumerate(connections, start=1):
        server = connection.sent_by_server
        if number <= served:
            if server.first_data is None:
                verdict.problem(f"expected connection {number} answered (the server serves the first {served}), "
                                f"it got no response and ended {connection.state}",
                                server.rst or connection.segments[-1])
            else:
                verdict.note(server.first_data, f"connection {number} of the {served} served: answered")
        elif server.first_data is not None:
            verdict.problem(f"expected connection {number} turned away (the server stops serving after {served}), "
                            "it was answered", server.first_data)
        elif connection.state == "REJ":
            verdict.note(server.rst, f"connection {number} refused: RST answers the SYN, nothing listens any more")
        elif server.rst is not None:
            verdict.note(server.rst, f"connection {number} reset by the server, unanswered: the kernel had completed "
                                     "its handshake, no accept() ever took it")
        else:
            verdict.problem(f"expected connection {number} refused or reset, it ended {connection.state} "
                            "without an answer", connection.segments[-1])
    return verdict
