"""Checks of how one connection ended when the client, not the request, set the pace.

wirecheck.checks judges an exchange the server closes after answering; here the client
closed first, trickled its head, was rude, or the server was told to stop while the
connection was open. Each ending is read from the frames and named by a category that
profiles compare (checks/_categories.py): fin, rst, "<status>-then-fin" (an error status,
say), open (the server never closed), client-rst (the client reset it first).
"""

from wirecheck.checks import _categories as category
from wirecheck.checks._categories import wording
from wirecheck.checks._timing import Tolerance, seconds
from wirecheck.checks._verdict import Verdict
from wirecheck.model._flows import Connection
from wirecheck.model._frames import Segment, seq_reached
from wirecheck.model._http import HttpParseError, is_complete_response, is_final


def ending(connection: Connection) -> str:
    """How the server ended `connection`, a category: fin, rst, "<status>-then-fin|rst", client-rst or open."""
    server, client = connection.sent_by_server, connection.sent_by_client
    close = server.ending
    if close is None:
        return category.CLIENT_RST if client.rst is not None else category.OPEN
    how = category.FIN if close is server.fin else category.RST
    status = _status(connection)
    return category.status_then(status, how) if status is not None else how


def _status(connection: Connection) -> int | None:
    try:
        return connection.responses.first(is_final).status
    except HttpParseError:
        return None


def closes_after_the_client(connection: Connection, within: float) -> Verdict:
    """The client closed first (FIN): the server's FIN follows within `within`, not a RST, not never. A server
    that closed first anyway is as good; so is one that answered within `within` and was reset for it by the
    client's stack (the client had closed its socket, so the answer meets a RST: nothing is left to close), or
    whose client's stack reset the connection within `within`, before any answer (it closed with bytes unread)."""
    verdict = Verdict(connection)
    client, server = connection.sent_by_client, connection.sent_by_server
    client_fin = client.fin
    if server.fin is not None and server.ending is server.fin and (client_fin is None
                                                                    or server.fin.index < client_fin.index):
        verdict.note(server.fin, "the server closes first, with FIN")
        return verdict
    if client_fin is None:
        if client.rst is not None:  # the client's stack reset it (it closed with unread data): nothing to close
            verdict.note(client.rst, "the client resets the connection")
        else:
            verdict.problem("no-client-fin", "expected the client to close first, it never sent its FIN",
                            connection.segments[-1])
        return verdict
    verdict.note(client_fin, "the client closes first")
    answer = next((s for s in server.segments if s.payload and (s.index > client_fin.index or _unread_tls(
        connection, s, client_fin))), None)
    answered_in_time = answer is not None and answer.time - client_fin.time <= within
    if server.reset:
        verdict.problem("rst-instead-of-fin", "expected the server to answer the client's FIN with its own FIN, it "
                                              "sent RST", server.rst)
    elif server.fin is None and client.rst is not None and answered_in_time:
        verdict.note(client.rst, "the client's stack resets the connection: the server answered a closed socket")
    elif server.fin is None and client.rst is not None and client.rst.time - client_fin.time <= within:
        verdict.note(client.rst, "the client's stack resets the connection before the server answered (bytes it had "
                                 "not read, such as TLS session tickets): nothing is left for the server to close")
    elif server.fin is None:
        verdict.problem("no-server-fin", f"expected the server's FIN within {seconds(within)} after the client's FIN, "
                                         "none came: the server's socket stays in CLOSE_WAIT", client_fin)
    elif server.fin.time - client_fin.time > within:
        verdict.problem("server-fin-late", f"expected the server's FIN within {seconds(within)} after the client's "
                                           f"FIN, it came {seconds(server.fin.time - client_fin.time)} after it",
                        server.fin)
    else:
        gap = max(0.0, server.fin.time - client_fin.time)
        verdict.figure("fin_after_client_fin", gap)
        verdict.note(server.fin, f"server FIN, {seconds(gap)} after the client's")
    return verdict


def _unread_tls(connection: Connection, sent: Segment, client_fin: Segment) -> bool:
    """Over TLS, whether the server's `sent` was still in flight when the client closed (its FIN does not acknowledge
    it): the session tickets a server sends at the handshake's end meet a client that closes at once, and its stack
    resets over them. On plain TCP a server sends nothing unasked."""
    return connection.tls is not None and not seq_reached(client_fin.ack, sent.data_end)


def head_cut_off(connection: Connection, within: float, tolerance: Tolerance) -> Verdict:
    """A client trickling its request head is cut off: the server closes with FIN (after an error status, or
    none) at most `within` after the head's first byte. Records the measured timeout and the ending. Over TLS the
    head's first byte is its first record's (not the ClientHello's), and the server's close began with its
    close_notify when that came first (its FIN may wait for the client's)."""
    verdict = Verdict(connection)
    server = connection.sent_by_server
    first, close, how = connection.stream(True).first_data, connection.close_begun(False), ending(connection)
    if server.ending is None or connection.first_closer == "client":
        close, how = None, category.OPEN  # the client gave up first: whatever the server did then only answered it
    verdict.figure("header_cut_off", how)
    if first is None:
        verdict.problem("no-request", "expected the first bytes of a request head, the client sent none",
                        connection.segments[-1])
        return verdict
    limit = within + tolerance.of(within)
    if close is None or close.time - first.time > limit:
        when = "it never closed" if close is None else f"it closed {seconds(close.time - first.time)} after it"
        verdict.problem("head-not-cut-off", f"expected the server to cut off a client trickling its head within "
                                            f"{seconds(within)} of its first byte, {when}", close or first)
        return verdict
    verdict.figure("header_timeout", close.time - first.time)
    if server.reset:
        verdict.problem("rst-instead-of-fin", "expected the server to cut off the trickling client with FIN, it "
                                              "sent RST", server.rst)
    verdict.note(close, f"the server cuts off the trickling client {seconds(close.time - first.time)} after its "
                        f"first byte ({wording(how)})")
    return verdict


def rude_ending(connection: Connection, gave_up: bool) -> Verdict:
    """How a rude client's connection ended and when: figures "rude_ending" (a category) and
    "rude_ending_after" (seconds from the client's last data, or its handshake, to it). Still open when the
    client gave up waiting is a problem (left-open): the server holds a socket for nobody. A connection the
    client reset ends "client RST", with no time: how the server would have ended it is lost in a race. Over TLS
    the client's last data is its last record's, and the server's close begins with its close_notify when that came
    before its FIN; a RST that the client's records drew after the server's FIN does not change the ending (FIN)."""
    verdict = Verdict(connection)
    how, close, client = ending(connection), connection.sent_by_server.ending, connection.sent_by_client
    if gave_up and close is None and is_complete_response(connection.stream(False).data, closed=False):
        # A request the server took as one (a large head under its limit, say), answered and kept alive: an
        # idle keep-alive connection, which the idle-close property judges, not a socket held for nobody.
        verdict.figure("rude_ending", category.ANSWERED_KEPT_ALIVE)
        verdict.note(connection.stream(False).last_data, "the server answers the rude request whole and keeps "
                                                          "the connection alive")
        return verdict
    if gave_up and (close is None or connection.first_closer == "client"):
        how, close = category.OPEN, None
    elif client.rst is not None:  # the client ended it: whether the server's close came first is a race
        verdict.figure("rude_ending", category.CLIENT_RST)
        verdict.note(client.rst, "the client resets the connection")
        return verdict
    verdict.figure("rude_ending", how)
    last_client = connection.stream(True).last_data or connection.handshake_ack or connection.segments[0]
    if close is None:
        end = client.ending or connection.segments[-1]
        verdict.figure("rude_ending_after", end.time - last_client.time)
        if how == category.OPEN:
            verdict.problem("left-open", f"expected the server to end a rude connection, it was still open when the "
                                         f"client gave up, {seconds(end.time - last_client.time)} after it last "
                                         "sent", end)
        return verdict
    close = connection.close_begun(False) or close
    verdict.figure("rude_ending_after", close.time - last_client.time)
    verdict.note(close, f"the server ends the rude connection: {wording(how)}, "
                        f"{seconds(close.time - last_client.time)} "
                        "after the client last sent")
    return verdict


def closed_with_fin(connection: Connection, what: str, figure: str) -> Verdict:
    """The server closed `connection` (`what`: "the idle connection") with FIN, not RST; its ending is recorded
    as the figure named `figure`."""
    verdict = Verdict(connection)
    close = connection.sent_by_server.ending
    verdict.figure(figure, ending(connection))
    if close is None:
        verdict.problem("no-server-fin", f"expected the server to close {what} with FIN, it never closed it",
                        connection.segments[-1])
    elif close is connection.sent_by_server.rst:
        verdict.problem("rst-instead-of-fin", f"expected the server to close {what} with FIN, it sent RST", close)
    else:
        verdict.note(close, f"the server closes {what} with FIN")
    return verdict


def answered_whole_then_fin(connection: Connection, since: float, what: str, figure: str) -> Verdict:
    """`connection`, still open at `since` (wall clock: the stop signal), gets a whole response (any status),
    then the server's FIN, not a RST. One the server had already answered and closed is not judged here (how
    a server closes on an unread body is lingering close's question): it was no longer in flight. Over TLS its
    close began with its close_notify when that came first: it may hold its FIN until the client's answers."""
    verdict = Verdict(connection)
    server, close = connection.stream(False), connection.close_begun(False)
    if close is not None and close.time < since:
        verdict.figure(figure, category.CLOSED_BEFORE_SIGNAL)
        verdict.note(close, f"{what}: the server closed it before the stop signal ({wording(ending(connection))})")
        return verdict
    try:
        answer = connection.responses.first(is_final) if server.first_data else None
    except HttpParseError:
        answer = None
    if answer is None or not answer.complete:
        verdict.problem("incomplete-response" if server.first_data else "no-response",
                        f"expected {what} answered whole, {'it was cut short' if server.first_data else 'no answer'}",
                        server.last_data or close or connection.segments[-1])
        return verdict
    verdict.note(server.first_data, f"{what} answered: {answer.start_line}")
    return verdict.extend(closed_with_fin(connection, what, figure))


def refused_or_served(connection: Connection, what: str, figure: str) -> Verdict:
    """`connection` was refused (its SYN answered by RST) or served; never accepted and then dropped."""
    verdict = Verdict(connection)
    verdict.figure(figure, category.REFUSED if connection.state == "REJ" else ending(connection))
    if connection.state == "REJ":
        verdict.note(connection.sent_by_server.rst, f"{what} refused: nothing listens any more")
    elif connection.stream(False).first_data is not None:
        verdict.note(connection.stream(False).first_data, f"{what} served")
    else:
        verdict.problem("accepted-then-dropped", f"expected {what} refused or served, its handshake completed and "
                                                 f"it ended {connection.state} unanswered",
                        connection.sent_by_server.ending or connection.segments[-1])
    return verdict
