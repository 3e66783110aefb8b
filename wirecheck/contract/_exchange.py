"""What the contract's connection-management tests share: how long their clients wait, and the one
connection each of them makes."""

from collections.abc import Callable

from wirecheck import checks
from wirecheck.checks._verdict import Verdict
from wirecheck.model._flows import Connection

# A response may come this much later than --wire-fin-within allows on a loaded machine before a client
# gives up; the checks, not the client, judge whether it was late.
RESPONSE_GRACE_SECONDS = 2.0


def reply_timeout(wire) -> float:
    """How long a client waits for an answer or a close before it gives up."""
    return wire.settings.fin_within + RESPONSE_GRACE_SECONDS


def only_connection(wire) -> Connection:
    """The test's one connection (failing the test if the capture holds another number)."""
    __tracebackhide__ = True
    connection, = wire.connections(1)
    return connection


def answered_then_fin(wire, client: Callable[[int, str, float], object],
                      judge: Callable[[Connection], Verdict]) -> Verdict:
    """Run `client` (port, path, timeout) against the server the wire serves; judge its one connection with
    `judge`, and by the server's FIN within --wire-fin-within."""
    client(wire.session.port, wire.settings.contract_path, reply_timeout(wire))
    connection = only_connection(wire)
    return judge(connection).extend(checks.server_closes(connection, within=wire.settings.fin_within))
