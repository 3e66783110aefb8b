"""Checks of how a TLS connection ends (RFC 8446 §6.1): each side sends close_notify before it closes its write
side, and answers the other's close_notify with its own. A FIN without close_notify is, to a client, a cut
connection: it cannot tell a whole close-delimited body from a truncated one.

The alerts are read from the decrypted records (in TLS 1.3 they are encrypted like the data): a connection whose
records the clients' key log does not open cannot be judged, and says so.
"""

from wirecheck.checks._timing import seconds
from wirecheck.checks._verdict import Verdict
from wirecheck.model._flows import Connection
from wirecheck.model._http import HttpParseError
from wirecheck.model._tls import Tls


def close_notify_before_fin(connection: Connection) -> Verdict:
    """The server closed the connection: close_notify first, then FIN (not RST, not a bare FIN)."""
    verdict, tls = _readable(connection)
    if tls is None:
        return verdict
    server = connection.sent_by_server
    notify = tls.close_notify(from_client=False)
    if server.ending is None:
        verdict.problem("no-server-fin", "expected the server to close with close_notify, then FIN, it never "
                                         "closed", connection.segments[-1])
    elif notify is None:
        verdict.problem("no-close-notify", f"expected close_notify before the server's {_how(connection)}, it sent "
                                           f"none: a client cannot tell this end from a cut connection",
                        server.ending)
    elif server.reset:
        verdict.note(notify.completed_by, "the server's close_notify")
        verdict.problem("reset-after-close-notify", "expected FIN after the server's close_notify, it sent RST",
                        server.rst)
    else:
        verdict.note(notify.completed_by, "the server's close_notify")
        verdict.note(server.fin, "then its FIN")
    return verdict


def close_notify_answered(connection: Connection, within: float) -> Verdict:
    """The client sent close_notify first: the server answers with its own within `within`, not a bare FIN or RST."""
    verdict, tls = _readable(connection)
    if tls is None:
        return verdict
    ours, theirs = tls.close_notify(from_client=True), tls.close_notify(from_client=False)
    server = connection.sent_by_server
    if ours is None:
        verdict.problem("no-client-close-notify", "expected the client to send close_notify, it never did",
                        connection.segments[-1])
        return verdict
    verdict.note(ours.completed_by, "the client's close_notify")
    if _announced_its_close(connection):
        # http.server, gunicorn sync: nothing is left to answer. Told by the response, not by whether the server's
        # close or the client's close_notify came first: the two race.
        verdict.figure("close_notify_answer", "not measured: the server closes after each response (its response "
                                              "said so)")
        verdict.note(server.ending or connection.segments[-1], "the server closes after its response")
        return verdict
    if theirs is not None and theirs.completed_by.index < ours.completed_by.index:
        verdict.note(theirs.completed_by, "the server had sent its close_notify first")
        return verdict
    if server.ending is not None and server.ending.index < ours.completed_by.index:
        verdict.figure("close_notify_answer", f"not measured: the server closed first, with a bare {_how(connection)}")
        verdict.note(server.ending, "the server closed first")
        return verdict
    answer = f"a bare {_how(connection)}" if server.ending is not None else "nothing"
    if theirs is None:
        verdict.problem("close-notify-unanswered", f"expected the server's close_notify in answer to the client's, "
                                                   f"it sent {answer}", server.ending or connection.segments[-1])
    elif (took := theirs.completed_by.time - ours.completed_by.time) > within:
        verdict.problem("close-notify-unanswered", f"expected the server's close_notify within {seconds(within)} "
                                                   f"of the client's, it took {seconds(took)}", theirs.completed_by)
    elif server.reset and server.rst.index < theirs.completed_by.index:
        verdict.problem("close-notify-unanswered", "expected the server's close_notify in answer to the client's, "
                                                   "it sent RST", server.rst)
    else:
        verdict.note(theirs.completed_by, "the server answers with its close_notify")
    return verdict


def no_truncation(connection: Connection) -> Verdict:
    """A body that ends with the connection (no length, not chunked) ends with the server's close_notify: else a
    truncated body would read as a whole one."""
    verdict, tls = _readable(connection)
    if tls is None:
        return verdict
    delimited = [r for r in connection.responses.readable() if r.framing == "close"]
    ending = connection.sent_by_server.ending
    if not delimited:
        verdict.note(ending or connection.segments[-1], "every body is framed by its length: a cut one would show")
    elif tls.close_notify(from_client=False) is None:
        verdict.problem("truncatable-body", f"expected a body that ends with the connection to end with "
                                            f"close_notify, it ended with a bare {_how(connection)}",
                        ending or connection.segments[-1])
    return verdict


def close_notify_ends_both_ways(connection: Connection) -> bool:
    """Whether the client's close_notify closed the session both ways, so that a request sent before it need not be
    answered: under TLS 1.2 the other party MUST answer it with its own close_notify and close down at once,
    discarding pending writes (RFC 5246 §7.2.1); TLS 1.3's closes only the client's write side (RFC 8446 §6.1), as
    TCP's FIN does, and the server may still answer."""
    tls = connection.tls
    return (tls is not None and tls.server_hello is not None and not tls.tls13
            and tls.close_notify(from_client=True) is not None)


def reset_drawn_after_fin(connection: Connection) -> bool:
    """Whether the server's RST followed its FIN, drawn by a record the client sent after that FIN: its close_notify
    in answer to the server's (RFC 8446 §6.1 lets a side close without awaiting the peer's: nginx), or the alert an
    OpenSSL 3 client sends at a FIN that came without close_notify (decode_error, "unexpected eof while reading":
    http.server, node). The kernel resets a closed socket that data reaches; how the FIN came is 22's to judge."""
    tls, server = connection.tls, connection.sent_by_server
    if tls is None or server.rst is None or server.fin is None or server.fin.index > server.rst.index:
        return False
    return any(server.fin.index < record.completed_by.index < server.rst.index for record in tls.side_records(True))


def handshake_figures(connection: Connection, verdict: Verdict) -> None:
    """The version, cipher suite, ALPN protocol and handshake time the server chose, as figures of `verdict`."""
    tls = connection.tls
    if tls is None:
        return
    for name, value in (("tls_version", tls.version), ("tls_cipher", tls.cipher), ("tls_alpn", tls.alpn),
                        ("handshake_time", tls.handshake_time)):
        if value is not None:
            verdict.figure(name, value)


def _readable(connection: Connection) -> tuple[Verdict, Tls | None]:
    """A verdict on `connection`, and its TLS when its records were read; else a problem says why not."""
    verdict, tls = Verdict(connection), connection.tls
    if tls is None:
        verdict.problem("not-tls", "expected a TLS connection, the client's first bytes are no TLS handshake",
                        connection.segments[0])
    elif not tls.decrypted:
        verdict.problem("not-decrypted", f"expected the clients' key log to open the connection's records: "
                                         f"{tls.why_not_decrypted}", connection.segments[0])
    return verdict, tls if tls is not None and tls.decrypted else None


def _announced_its_close(connection: Connection) -> bool:
    """Whether the server's last response said that it closes the connection after it (Connection: close, or
    HTTP/1.0 without keep-alive)."""
    try:
        responses = connection.responses.all()
    except HttpParseError:
        return False
    return bool(responses) and not responses[-1].persistent


def _how(connection: Connection) -> str:
    return "RST" if connection.sent_by_server.reset else "FIN"

