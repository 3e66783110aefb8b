"""Checks of how a server manages one HTTP/1.1 connection: keep-alive, closing, lingering, 100-continue.

The connection-management part of the checks (wirecheck.checks holds the rest): each returns a
Verdict with notes, problems of a kind and figures. What a check expects is read from the wire
where it can be: the requests the client sent before the server closed say how many responses
are due (RFC 9112 §9.3: every request up to the first that closes the connection; §9.6: none
after it).
"""

from wirecheck.checks import _categories as category
from wirecheck.checks._timing import seconds
from wirecheck.checks._verdict import Verdict
from wirecheck.model._flows import Connection
from wirecheck.model._frames import ACK, Segment, seq_reached
from wirecheck.model._http import HttpParseError, HttpRequest, parse_requests


def exchanges(connection: Connection, status: int) -> Verdict:
    """Every request the client sent before the server closed, up to the first that closes the connection,
    is answered in order by a complete response with `status`; no request after that one is answered."""
    verdict = Verdict(connection)
    client, server = connection.stream(True), connection.stream(False)
    requests = _requests_before_close(verdict)
    if not requests:
        verdict.problem("no-request", "expected a request from the client, it sent none", connection.segments[-1])
        return verdict
    due = next((number for number, request in enumerate(requests, start=1) if not request.persistent),
               len(requests))
    try:
        finals = [r for r in connection.responses.all() if not r.interim]
    except HttpParseError as error:
        verdict.problem("malformed-http", f"expected HTTP responses: {error}", server.first_data)
        return verdict
    verdict.figure("responses", len(finals))
    for number, answer in enumerate(finals[:due], start=1):
        if not answer.complete:
            verdict.problem("incomplete-response", f"expected response {number} of {due} whole, it was cut short "
                                                   f"({answer.framing}, {len(answer.body)} body bytes)",
                            server.last_data)
        if answer.status != status:
            verdict.problem("wrong-status", f"expected status {status} in response {number} of {due}, the server "
                                            f"answered {answer.start_line!r}", server.first_data)
    if len(finals) < due:
        verdict.problem("unanswered-request", f"expected {due} responses to {due} requests on a connection the "
                                              f"server kept open, got {len(finals)}", client.last_data)
    elif len(finals) > due:
        verdict.problem("answered-after-close", f"expected {due} response(s): request {due} closes the connection "
                                                f"and nothing after it may be answered, got {len(finals)}",
                        server.last_data)
    else:
        verdict.note(server.last_data, f"{due} request(s) answered, in order, none after the close")
    return verdict


def keeps_alive(connection: Connection) -> Verdict:
    """Records (figure "keep_alive") whether the server kept the connection open after its first response,
    as it announced; closing after it is legal, and recorded as no-keep-alive. Reports no problem."""
    verdict = Verdict(connection)
    requests = _requests_before_close(verdict)
    try:
        first = connection.responses.all()[:1]
    except HttpParseError:
        first = []
    kept = len(requests) > 1 and bool(first) and first[0].persistent
    verdict.figure("keep_alive", category.KEPT_ALIVE if kept else category.NO_KEEP_ALIVE)
    verdict.note(connection.stream(False).first_data, "keep-alive: the connection stays open after the response"
                 if kept else "no keep-alive: the server closes after its first response")
    return verdict


def _requests_before_close(verdict: Verdict) -> list[HttpRequest]:
    """The complete requests whose bytes reached the wire before the server's first FIN or RST (a request sent
    after the server closed is no request the server had to answer)."""
    connection = verdict.connection
    client, closing = connection.stream(True), connection.sent_by_server.ending
    sent = client.data if closing is None else client.data[:client.bytes_before(closing.index)]
    try:
        return [request for request in parse_requests(sent) if request.complete]
    except HttpParseError as error:
        verdict.problem("malformed-http", f"expected HTTP requests: {error}", client.first_data)
        return []


def idle_close(connection: Connection, window: float) -> Verdict:
    """After its last response, a server that kept the connection open closes it with FIN, not RST. Figures:
    "idle_close" (fin, rst, or open when it had not closed `window` after its last response, and the
    client gave up) and "idle_timeout", the seconds from its last response byte to its close (with "open":
    the window, a lower bound). Over TLS the idle time ends at the server's close_notify, and how it closed is TCP's."""
    verdict = Verdict(connection)
    server, last_response = connection.sent_by_server, connection.stream(False).last_data
    verdict.figure("first_closer", connection.first_closer or category.NOBODY)
    if last_response is None:
        verdict.problem("no-response", "expected responses before the idle time, none came", connection.segments[-1])
        return verdict
    closing = server.ending
    if closing is None or connection.first_closer == "client":
        verdict.figure("idle_close", category.OPEN)
        verdict.figure("idle_timeout", window)
        verdict.note(connection.closing, f"the server kept the idle connection open for more than {seconds(window)}")
        return verdict
    idle = connection.close_begun(False).time - last_response.time
    verdict.figure("idle_timeout", idle)
    verdict.figure("idle_close", category.RST if closing is server.rst else category.FIN)
    if closing is server.rst:
        verdict.problem("rst-instead-of-fin", f"expected the server to close the idle connection with FIN, it sent "
                                              f"RST {seconds(idle)} after its last response", closing)
    else:
        verdict.note(closing, f"server FIN after {seconds(idle)} idle")
    return verdict


def no_reset_while_sending(connection: Connection, window: float) -> Verdict:
    """A server that answers before the client has sent its whole request does not reset the connection while
    the client still sends, until at least `window` after the client acknowledged its last response byte (a
    lingering close, RFC 9112 §9.6). Figures: "upload_end" (rst if one came, else fin, over TLS a close_notify
    too, or open), "linger", the seconds from that acknowledgement to the server's RST, or to the client's last byte
    when no RST came. Over TLS the bytes are the decrypted records' (a close_notify after the response is no part of
    it, nor the client's after its upload), timed by the frames that completed them; the RST is TCP's."""
    verdict = Verdict(connection)
    server, answer, upload = connection.sent_by_server, connection.stream(False), connection.stream(True)
    # A FIN then RST ends as RST. Over TLS a close_notify is a close too: its FIN may never come, the client's RST
    # at that close_notify (it reached a socket the client had closed) coming first.
    closed = connection.close_begun(False)
    verdict.figure("upload_end", category.RST if server.rst else category.FIN if closed else category.OPEN)
    verdict.figure("first_closer", connection.first_closer or category.NOBODY)
    acked = _acknowledgement_of_response(connection)
    start = acked.time if acked is not None else answer.last_data.time if answer.last_data else None
    end = server.rst or upload.last_data
    if start is not None and end is not None:
        verdict.figure("linger", max(0.0, end.time - start))
    if server.rst is None:
        verdict.note(upload.last_data, "the client sent its whole request: no RST from the server")
        return verdict
    linger = server.rst.time - start if start is not None else 0.0
    if not _whole_request_sent(connection) and linger < window:
        verdict.problem("reset-while-sending", f"expected no RST while the client was still sending, for at least "
                                               f"{seconds(window)} after it acknowledged the response; the server "
                                               f"reset {seconds(linger)} after it", server.rst)
    else:
        verdict.note(server.rst, f"server RST {seconds(linger)} after the client acknowledged the response")
    return verdict


def _acknowledgement_of_response(connection: Connection) -> Segment | None:
    """The client's first ACK of the server's last response byte: over TLS, of the frame that completed the last
    response record (the whole of that frame is acknowledged)."""
    last = connection.stream(False).last_data
    if last is None:
        return None
    return next((s for s in connection.sent_by_client.segments if s.index > last.index and s.has(ACK)
                 and seq_reached(s.ack, last.data_end)), None)


def _whole_request_sent(connection: Connection) -> bool:
    try:
        return connection.requests.first().complete
    except HttpParseError:
        return False


def answers_expectation(connection: Connection, within: float) -> Verdict:
    """A request with `Expect: 100-continue` gets 100 Continue or a final response at most `within` after its
    head. Figures: "continue_answer" (100-continue, final-status, none or late) and "continue_delay"."""
    verdict = Verdict(connection)
    head, answer = connection.stream(True).first_data, connection.stream(False).first_data
    if head is None:
        verdict.problem("no-request", "expected a request with Expect: 100-continue, the client sent none",
                        connection.segments[-1])
        return verdict
    if answer is None or answer.time - head.time > within:
        verdict.figure("continue_answer", category.NO_ANSWER if answer is None else category.LATE)
        late = "none came" if answer is None else f"the server's first bytes came {seconds(answer.time - head.time)}"
        verdict.problem("no-continue", f"expected 100 Continue or a final status within {seconds(within)} after "
                                       f"the request head, {late}", answer or connection.segments[-1])
        return verdict
    try:
        first = connection.responses.all()[0]
    except (HttpParseError, IndexError) as error:
        verdict.problem("malformed-http", f"expected 100 Continue or a final status: {error}", answer)
        return verdict
    verdict.figure("continue_answer", category.CONTINUE if first.status == 100 else category.FINAL_STATUS)
    verdict.figure("continue_delay", answer.time - head.time)
    verdict.note(answer, f"{first.start_line}, {seconds(answer.time - head.time)} after the request head")
    return verdict
