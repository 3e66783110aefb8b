"""What the contract's tests share: how long their clients wait, the requests they send, the one connection
each exchange makes, and the server's zombies and descriptors once they have settled."""

from collections.abc import Callable

from wirecheck import checks
from wirecheck.checks._verdict import Verdict
from wirecheck.clients._requests import request_bytes
from wirecheck.model._flows import Connection
from wirecheck.server._dialer import Dialer
from wirecheck.server._waiting import settle

# How much longer than --wire-fin-within a client waits for an answer or a close before it gives up. The checks,
# not the client, judge whether an answer or a FIN was late: the client only has to stay long enough to see it.
# A client of one exchange waits 2 s more. A patient client waits 5 s more: one of a burst, whose SYN past a small
# listen backlog (http.server's is 5) is dropped and sent again 1 s and 3 s after the first, so that a burst's last
# client may be answered more than 3 s late on a loaded machine; and a trickling or rude client, which servers cut
# off on timers of several seconds. The longer wait costs time only where a server never answers or never closes,
# so the single exchanges (the broken servers' tests among them) keep the shorter one.
GRACE_SECONDS = 2.0
PATIENT_GRACE_SECONDS = 5.0
# Descriptors the server may open lazily (a log file, a resolver socket) during a burst
# without that being a leak: far below one per connection.
DESCRIPTOR_SLACK = 3
# A server has settled after a burst when its zombies and descriptors have not changed for
# SETTLE_QUIET_SECONDS (a reaping server empties them within milliseconds of each SIGCHLD);
# SETTLE_SECONDS bounds the wait for one that keeps changing.
SETTLE_QUIET_SECONDS = 0.5
SETTLE_SECONDS = 5.0
SETTLE_POLL_SECONDS = 0.05


def reply_timeout(wire, *, patient: bool = False) -> float:
    """How long a client waits for an answer or a close before it gives up: --wire-fin-within plus a grace, the
    longer one for a `patient` client (a burst's, a trickler, a rude one)."""
    return wire.settings.fin_within + (PATIENT_GRACE_SECONDS if patient else GRACE_SECONDS)


def closing_requests(wire, count: int) -> list[bytes]:
    """`count` GETs of the contract's path, each asking the server to close after its response ("Connection:
    close"), so that an HTTP/1.1 server that keeps connections alive still closes."""
    return [request_bytes(wire.settings.contract_path, "127.0.0.1", wire.session.port, close=True)] * count


def settled(view) -> tuple[tuple[int, int], bool]:
    """The zombies and the open descriptors of the server's tree once neither has changed for SETTLE_QUIET
    seconds, or after SETTLE_SECONDS. Live children are allowed: a pre-forked worker pool is no leak."""
    return settle(lambda: (len(view.zombies()), view.open_descriptors()), SETTLE_QUIET_SECONDS, SETTLE_SECONDS,
                  poll=SETTLE_POLL_SECONDS)


def only_connection(wire) -> Connection:
    """The test's one connection (failing the test if the capture holds another number)."""
    __tracebackhide__ = True
    connection, = wire.connections(1)
    return connection


def answered_then_fin(wire, client: Callable[[Dialer, str, float], object],
                      judge: Callable[[Connection], Verdict]) -> Verdict:
    """Run `client` (dialer, path, timeout) against the server the wire serves; judge its one connection with
    `judge`, and by the server's FIN within --wire-fin-within."""
    client(wire.session.dialer, wire.settings.contract_path, reply_timeout(wire))
    connection = only_connection(wire)
    return judge(connection).extend(checks.server_closes(connection, within=wire.settings.fin_within))
