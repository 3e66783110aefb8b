"""Every kind of problem a check or a claim can report: one stable identifier, one meaning.

Tests, the contract table, the JSON report and the baseline diff read these kinds, never
the wording of a message (the message is for people and may change). The documentation's
table of kinds (docs/reference/kinds.md) is checked against this one (tests/unit/test_kinds.py).

A check of one's own reports kinds of its own: `register_kind(kind, meaning)` first (at
import, beside the check), so that a typo in a kind still fails at once instead of making
a problem no test can name. They are kept apart from KINDS, the package's own.
"""

import re

from wirecheck._option_names import flag

# A kind is lower-case words joined by hyphens: the JSON report's schema (json_report.schema.json) says the same.
KIND_PATTERN = re.compile(r"[a-z]+(-[a-z]+)*")

KINDS = {
    # the handshake
    "handshake-broken": "SYN, SYN-ACK, ACK are not the connection's first three frames, in that order",
    "handshake-slow": "the kernel's SYN-ACK did not come at once",
    # HTTP
    "malformed-http": "bytes that h11 rejects as HTTP/1.x (its reason is in the message)",
    "no-request": "the client sent no request",
    "wrong-request": "the client's request is not the one the check expects",
    "no-response": "the server sent no response (in time, where a time is given)",
    "late-response": "the response began later than allowed after the request",
    "wrong-status": "the response has another status than expected",
    "wrong-body": "the response's body is not the expected one",
    "response-before-request": "the response began before the request was complete",
    "incomplete-response": "the response was cut short: its framing (or the close that ends it) never came",
    "unanswered-request": "a request on a connection the server kept open got no response",
    "answered-after-close": "the server answered a request that came after one that closed the connection "
                            "(RFC 9112 §9.6)",
    "no-continue": "a request with `Expect: 100-continue` got neither 100 Continue nor a final status in time",
    # closing
    "rst-instead-of-fin": "the server reset the connection where it should have closed it with FIN",
    "reset-while-sending": "the server reset the connection while the client was still sending its request, "
                           "before the linger window had passed",
    "no-server-fin": "the server never sent its FIN",
    "server-fin-early": "the server's FIN came before it was due (before a complete response, or too soon)",
    "server-fin-late": "the server's FIN came later than allowed",
    "client-closed-first": "the client closed first where the server should have",
    "no-client-fin": "the client never sent its FIN",
    "client-fin-unacknowledged": "the server did not acknowledge the client's FIN",
    "wrong-end-state": "the connection ended in another Zeek state than expected",
    "left-open": "the server left a rude client's connection open until the client gave up",
    "head-not-cut-off": f"a client trickling its request head was not cut off within {flag('header_timeout')}",
    # several connections
    "client-waited": "a client's response waited for another connection to close",
    "client-did-not-wait": "a client was answered while another connection was open, where one client at a time "
                           "is expected",
    "served-out-of-turn": "responses did not come one server delay apart, each after the previous close",
    "syn-unanswered": "a SYN that the accept queue had room for was not answered at once",
    "syn-answered": "a SYN past the accept queue's capacity was answered instead of dropped",
    "syn-not-retried": "a dropped SYN was not sent again",
    "syn-retry-off-time": "a dropped SYN was sent again at another time than the initial retransmission timeout",
    "not-served": "a connection that should have been served got no response",
    "served-unexpectedly": "a connection that should have been turned away was answered",
    "not-turned-away": "a connection that should have been refused or reset ended otherwise",
    "request-before-parent-close": "the request left before the parent had closed its copy of the connection",
    "accepted-then-dropped": "a connection made after the stop signal was accepted, then closed or reset unanswered",
    "connection-count": "the capture holds another number of connections than the test made",
    "syn-retransmitted": "a client of a burst sent its SYN again: the first was dropped, the accept queue full",
    "crowded-out": "a fresh client was not answered in time while a crowd of idle connections was open",
    # the process table
    "zombie-children": "the server left exited children unreaped (zombies)",
    "fewer-zombies": "fewer zombie children than expected: the server reaps more than it is said to",
    "descriptor-growth": "the server's process tree holds more open descriptors than before",
    "server-died": "the server process exited when it should have kept serving",
    "close-wait": "a socket of the server's tree stayed in CLOSE_WAIT: the client closed, the server never did",
    "not-stopped": f"processes of the server's tree still ran {flag('stop_grace')} after the stop signal",
    # past the server's limits
    "spins-at-descriptor-limit": "the server's tree demanded most of a core while clients past its open-files "
                                 "limit waited: it retries accept() at once on EMFILE",
    "died-at-descriptor-limit": "the server exited while clients past its open-files limit waited",
    "not-recovered": "once the clients past the server's open-files limit left, a fresh client was not answered "
                     "within 1 s",
    "starved-by-slow-reader": "a client was not answered in time while another did not read its responses",
    "slow-reader-not-cut-off": f"a client that did not read its responses was not cut off within "
                               f"{flag('send_timeout')} of its window closing",
    # TLS (RFC 8446 §6.1)
    "not-tls": "a connection that should speak TLS does not begin with a TLS handshake",
    "not-decrypted": "the clients' key log did not open the connection's TLS records (the reason is in the message)",
    "no-close-notify": "the server closed a TLS connection without sending close_notify first",
    "reset-after-close-notify": "the server sent close_notify, then reset the connection instead of its FIN",
    "no-client-close-notify": "the client never sent its close_notify",
    "close-notify-unanswered": "a client's close_notify got no close_notify from the server in time: a bare FIN, "
                               "a RST or nothing",
    "truncatable-body": "a body that ends with the connection ended without close_notify: a client cannot tell it "
                        "from a truncated one",
    # the capture itself
    "incomplete-capture": "the kernel dropped frames: the capture is not analysed",
    # this run against a baseline profile (--wire-baseline)
    "outcome-changed": "a contract property passed in the baseline and fails now, or the other way round",
    "timing-changed": "a measured timing moved beyond the tolerance rule since the baseline, or was not measured",
    "count-changed": "a measured count differs from the baseline's, or was not measured",
    "category-changed": "a measured category differs from the baseline's (who closed first, FIN or RST), "
                        "or was not measured",
}


_REGISTERED: dict[str, str] = {}  # the kinds of users' own checks, by register_kind


def register_kind(kind: str, meaning: str) -> str:
    """Make `kind` a problem kind that checks of one's own may report, meaning `meaning`; return it. Registering it
    again with the same meaning does nothing (a module imported twice); a kind that already means something else,
    the package's own included, is refused."""
    if not KIND_PATTERN.fullmatch(kind):
        raise ValueError(f"problem kind {kind!r}: a kind is lower-case words joined by hyphens, e.g. 'banner-late'")
    if not meaning.strip():
        raise ValueError(f"problem kind {kind!r}: say what it means")
    known = KINDS.get(kind, _REGISTERED.get(kind))
    if known is not None and known != meaning:
        raise ValueError(f"problem kind {kind!r} already means {known!r}: name yours otherwise")
    if kind not in KINDS:
        _REGISTERED[kind] = meaning
    return kind


def meaning(kind: str) -> str:
    """What `kind` means, the package's own or a registered one."""
    return KINDS[kind] if kind in KINDS else _REGISTERED[check_kind(kind)]


def check_kind(kind: str) -> str:
    """`kind`, if it is one of KINDS or registered (a typo would otherwise make a problem no test can name)."""
    if kind not in KINDS and kind not in _REGISTERED:
        raise ValueError(f"unknown problem kind {kind!r}: a kind of your own needs wirecheck.register_kind(kind, "
                         f"meaning) first; known: {', '.join(sorted({*KINDS, *_REGISTERED}))}")
    return kind
