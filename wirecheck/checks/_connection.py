"""Checks of one connection: what it was expected to do, against what it did.

Each check returns a Verdict about its connection: notes on the frames it looked at
(they become packet comments) and problems, each of a kind (wirecheck.checks._kinds) and tied
to the frame that broke the expectation (the ladder marks it). The pytest tests, the
behaviour table of ``wirecheck.article._verify`` and the tests that run deliberately broken
servers all use these same functions, so a check shown to catch a broken server is
the very check that guards the good ones. Judgements over several connections or
over the process table are claims (wirecheck.checks._several_connections).
"""

from collections.abc import Callable
from typing import TypeVar, overload

from wirecheck.checks._timing import Tolerance, seconds
from wirecheck.checks._tls import reset_drawn_after_fin
from wirecheck.checks._verdict import Verdict
from wirecheck.model._flows import STATES, Connection
from wirecheck.model._frames import ACK, SYN, Segment, seq_plus
from wirecheck.model._http import (
    HttpHeadCutShort,
    HttpParseError,
    HttpRequest,
    HttpResponse,
    is_complete_response,
    is_final,
)

Message = TypeVar("Message", HttpRequest, HttpResponse)


def handshake(connection: Connection, tolerance: Tolerance | None = None) -> Verdict:
    """SYN, SYN-ACK, ACK are the connection's first three frames, in that order; with a `tolerance`,
    the SYN-ACK also comes at once (the kernel answers whatever the server process is doing)."""
    verdict = Verdict(connection)
    syn, syn_ack, ack = (connection.segments[:3] + [None] * 3)[:3]
    if syn is None or not connection.from_client(syn) or syn.flags & (SYN | ACK) != SYN:
        verdict.problem("handshake-broken", f"expected the client's SYN as the first frame, got "
                                            f"{_describe(connection, syn)}", syn)
        return verdict
    verdict.note(syn, "handshake 1/3: client SYN")
    if (syn_ack is None or connection.from_client(syn_ack) or syn_ack.flags & (SYN | ACK) != SYN | ACK
            or syn_ack.ack != seq_plus(syn.seq, 1)):
        verdict.problem("handshake-broken", f"expected the server's SYN-ACK acknowledging the SYN as the second "
                                            f"frame, got {_describe(connection, syn_ack)}", syn_ack)
        return verdict
    verdict.note(syn_ack, f"handshake 2/3: server SYN-ACK, {seconds(syn_ack.time - syn.time)} after the SYN")
    verdict.figure("syn_ack_delay", syn_ack.time - syn.time)
    if ack is None or ack is not connection.handshake_ack:
        verdict.problem("handshake-broken", f"expected the client's ACK of the SYN-ACK as the third frame, "
                                            f"got {_describe(connection, ack)}", ack)
        return verdict
    verdict.note(ack, "handshake 3/3: client ACK, connection established")
    if tolerance is not None and syn_ack.time - syn.time > tolerance.of(0):
        verdict.problem("handshake-slow", f"expected the SYN-ACK at once, it came {seconds(syn_ack.time - syn.time)} "
                                          f"after the SYN; tolerance {seconds(tolerance.of(0))}", syn_ack)
    return verdict


def http_exchange(connection: Connection, target: str, status: int, body: bytes) -> Verdict:
    """The client's GET `target` is answered, after it, by `status` with exactly `body`."""
    verdict = Verdict(connection)
    client, server = connection.stream(True), connection.stream(False)
    if client.first_data is None:
        verdict.problem("no-request", f"expected GET {target}, the client sent nothing", connection.segments[-1])
        return verdict
    request = _parsed(verdict, connection.requests.first, client.first_data, "no-request")
    if request is None:
        return verdict
    if (request.method, request.target) != ("GET", target):
        verdict.problem("wrong-request", f"expected GET {target}, the client sent {request.start_line!r}",
                        client.first_data)
    verdict.note(client.first_data, f"request: {request.start_line}")
    answer = _response(verdict, connection, status)
    responded, requested = server.first_data, client.last_data  # both there once a response is
    if answer is None or responded is None or requested is None:
        return verdict
    if answer.body != body:
        verdict.problem("wrong-body", f"expected the body {body!r}, the server sent {answer.body!r}", server.last_data)
    if responded.index < requested.index:
        verdict.problem("response-before-request", "expected the response after the request, it began before the "
                                                   "request was complete", responded)
    verdict.note(responded, f"response: {answer.start_line}, {seconds(responded.time - requested.time)} after the "
                            "request")
    return verdict


def response(connection: Connection, status: int | None, *, within: float | None = None,
             complete: bool = True, since_hello: bool = False) -> Verdict:
    """The server answered with `status` (None: any final status), its response beginning at most `within` after
    the request (if given; with `since_hello`, over TLS, after the ClientHello: a server too busy to make the
    handshake holds the request back) and, if `complete` is asked for, whole (by Content-Length, chunks or its
    close)."""
    verdict = Verdict(connection)
    if within is not None and not _responds_within(verdict, connection, within, since_hello):
        return verdict
    answer = _response(verdict, connection, status, complete)
    if answer is not None and complete:
        verdict.note(connection.stream(False).first_data,
                     f"response: {answer.start_line} ({len(answer.body)} body bytes, end by {answer.framing})")
    return verdict


def _responds_within(verdict: Verdict, connection: Connection, limit: float, since_hello: bool) -> bool:
    """Whether the server's response begins at most `limit` after the client's request, or its ClientHello (else a
    problem)."""
    request, answer, what = connection.stream(True).last_data, connection.stream(False).first_data, "the request"
    if since_hello and (tls := connection.tls) is not None:
        # The plaintext even when none was read: a handshake the client gave up on carried no response.
        request, answer, what = tls.handshake_started, tls.stream(False).first_data, "the ClientHello"
    if request is None:
        verdict.problem("no-request", "expected a request from the client, it sent none", connection.segments[-1])
    elif answer is None:
        verdict.problem("no-response", f"expected a response within {seconds(limit)} after {what}, none came",
                        connection.segments[-1])
    elif answer.time - request.time > limit:
        verdict.problem("late-response", f"expected a response within {seconds(limit)} after {what}, it came "
                                         f"{seconds(answer.time - request.time)} after it", answer)
    else:
        verdict.note(answer, f"response {seconds(answer.time - request.time)} after {what}")
        verdict.figure("response_delay", answer.time - request.time)
        return True
    return False


def _response(verdict: Verdict, connection: Connection, status: int | None,
              complete: bool = True) -> HttpResponse | None:
    """The parsed response, with a problem recorded if it is missing, of another status, or (if `complete`
    is asked for) cut short."""
    server = connection.stream(False)
    if server.first_data is None:
        verdict.problem("no-response", "expected an HTTP response, the server sent no data", connection.segments[-1])
        return None
    answer = _parsed(verdict, lambda: connection.responses.first(is_final), server.first_data,
                     "incomplete-response")
    if answer is None:
        return None
    if complete and not answer.complete:
        ends_at = "the server's close, which did not come" if answer.framing == "close" else "its framing"
        verdict.problem("incomplete-response", f"expected a complete response, it was cut short: its end is "
                                               f"{ends_at} ({answer.framing}, {len(answer.body)} body bytes)",
                        server.last_data)
    if status is not None and answer.status != status:
        verdict.problem("wrong-status", f"expected status {status}, the server answered {answer.start_line!r}",
                        server.first_data)
    return answer


@overload
def server_closes(connection: Connection, *, delay: float, tolerance: Tolerance | None = None,
                  closes_first: bool = True) -> Verdict: ...


@overload
def server_closes(connection: Connection, *, within: float, closes_first: bool = True) -> Verdict: ...


def server_closes(connection: Connection, *, delay: float | None = None, within: float | None = None,
                  tolerance: Tolerance | None = None, closes_first: bool = True) -> Verdict:
    """The server closes with FIN (not RST), after a complete response: `delay` after its last byte (within
    `tolerance`), or at most `within` after it; first, unless `closes_first` is False (a client's half-close).
    One of `delay` and `within` is given, by name (the overloads say so to a type checker). Over TLS the last byte
    is the frame that completed the last response record, and the FIN still TCP's: the server's close_notify comes
    between them, inside the time measured; a RST drawn by the client's records after that FIN is no fault
    (reset_drawn_after_fin)."""
    if delay is not None and within is None:
        expected = f"{seconds(delay)} after the response"
    elif within is not None and delay is None:
        expected = f"within {seconds(within)} after it"
    else:
        raise TypeError("server_closes() needs delay= (when the FIN is due, within a tolerance) or within= (the "
                        "most it may take), one of the two")
    verdict = Verdict(connection)
    server, last_response = connection.sent_by_server, connection.stream(False).last_data
    reset_by_the_clients_record = reset_drawn_after_fin(connection)
    if server.rst is not None and not reset_by_the_clients_record:
        verdict.problem("rst-instead-of-fin", "expected the server to close with FIN, it sent RST", server.rst)
        return verdict
    if server.fin is None:
        verdict.problem("no-server-fin", f"expected a server FIN {expected}, no server FIN was sent",
                        last_response or connection.segments[-1])
        return verdict
    if last_response is None:
        verdict.problem("server-fin-early", "expected a response before the server FIN, the server sent no data",
                        server.fin)
        return verdict
    verdict.note(last_response, "last response byte")
    if reset_by_the_clients_record:
        verdict.note(server.rst, "RST drawn by what the client sent after the server's FIN (its close_notify, or "
                                 "its alert at a FIN without close_notify): the server had closed its socket")
    gap = server.fin.time - last_response.time
    verdict.figure("fin_delay", gap)
    if closes_first and connection.first_closer != "server":
        verdict.problem("client-closed-first", "expected the server to close first, the client closed first",
                        connection.sent_by_client.ending)
    if not is_complete_response(connection.stream(False).data, closed=True):
        verdict.problem("server-fin-early", "expected the server FIN after a complete response, it closed before "
                                            "the response was complete", server.fin)
    if delay is not None:
        tolerance = tolerance or Tolerance()
        if not tolerance.allows(delay, gap):
            verdict.problem("server-fin-late" if gap > delay else "server-fin-early",
                            f"expected the server FIN at {seconds(delay, signed=True)} after the last response byte, "
                            f"happened at {seconds(gap, signed=True)}; tolerance {seconds(tolerance.of(delay))}",
                            server.fin)
        verdict.note(server.fin, f"server FIN, {seconds(gap)} after the last response byte (expected {seconds(delay)})")
    elif within is not None:
        if gap > within:
            verdict.problem("server-fin-late", f"expected the server FIN within {seconds(within)} after the last "
                                               f"response byte, it came {seconds(gap)} after it (late FIN)",
                            server.fin)
        verdict.note(server.fin, f"server FIN, {seconds(gap)} after the last response byte "
                                 f"(allowed: {seconds(within)})")
    return verdict


def ends_in_state(connection: Connection, state: str) -> Verdict:
    """The connection ends in Zeek's `state` (see flows.STATES)."""
    verdict = Verdict(connection)
    closing = connection.closing or connection.segments[-1]
    if connection.state != state:
        verdict.problem("wrong-end-state", f"expected the connection to end {state} ({STATES[state]}), it ended "
                                           f"{connection.state} ({STATES[connection.state]})", closing)
    else:
        verdict.note(closing, f"the connection ends {state}: {STATES[state]}")
    return verdict


def no_server_close_before(connection: Connection, moment: float, what: str) -> Verdict:
    """The server sends no FIN and no RST before `moment` (wall clock); `what` names the moment."""
    verdict = Verdict(connection)
    server = connection.sent_by_server
    for closing, name in ((server.fin, "FIN"), (server.rst, "RST")):
        if closing is not None and closing.time < moment:
            verdict.problem("server-fin-early" if name == "FIN" else "rst-instead-of-fin",
                            f"expected no server {name} before {what}, one came "
                            f"{seconds(moment - closing.time)} before it", closing)
    return verdict


def server_fin_between(connection: Connection, start: float, end: float, what: str, tolerance: Tolerance) -> Verdict:
    """The server's FIN, not a RST, comes after `start` and no later than `end` (plus the tolerance floor)."""
    verdict = Verdict(connection)
    fin, rst = connection.sent_by_server.fin, connection.sent_by_server.rst
    if connection.sent_by_server.reset:
        verdict.problem("rst-instead-of-fin", f"expected a server FIN once {what}, the server sent RST", rst)
    elif fin is None:
        verdict.problem("no-server-fin", f"expected a server FIN once {what}, none came", connection.segments[-1])
    elif not start <= fin.time <= end + tolerance.floor:
        verdict.problem("server-fin-early" if fin.time < start else "server-fin-late",
                        f"expected the server FIN within {seconds(end - start)} after {what} began, "
                        f"it came at {seconds(fin.time - start, signed=True)}", fin)
    else:
        verdict.note(fin, f"server FIN, {seconds(fin.time - start)} after {what} began")
        verdict.figure("fin_delay", fin.time - start)
    return verdict


def client_fin_acknowledged_unanswered(connection: Connection, before: float) -> Verdict:
    """The client's FIN is acknowledged by the server, who sends no FIN of its own before `before`."""
    verdict = Verdict(connection)
    fin = connection.sent_by_client.fin
    if fin is None:
        verdict.problem("no-client-fin", "expected a client FIN, the client never closed", connection.segments[-1])
        return verdict
    fin_end = seq_plus(fin.data_end, 1)
    acks = [s for s in connection.sent_by_server.segments if s.index > fin.index and s.has(ACK) and s.ack == fin_end]
    if not acks:
        verdict.problem("client-fin-unacknowledged", "expected the server to acknowledge the client's FIN, it did not",
                        fin)
        return verdict
    verdict.note(fin, "client FIN (the client gave up waiting)")
    verdict.note(acks[0], "server ACKs the client FIN but sends no FIN: its parent still holds the socket")
    return verdict.extend(no_server_close_before(connection, before, "the server process was terminated"))


def _parsed(verdict: Verdict, parse: Callable[[], Message], segment: Segment | None, cut_short: str) -> Message | None:
    """The parsed message; a head cut short is a problem of kind `cut_short`, bytes h11 rejects malformed-http."""
    try:
        return parse()
    except HttpHeadCutShort as error:
        verdict.problem(cut_short, f"expected a whole HTTP head: {error}", segment)
        return None
    except HttpParseError as error:
        verdict.problem("malformed-http", f"expected HTTP: {error}", segment)
        return None


def _describe(connection: Connection, segment: Segment | None) -> str:
    if segment is None:
        return "no frame"
    direction = "client" if connection.from_client(segment) else "server"
    return f"a [{segment.flag_text}] from the {direction}"
