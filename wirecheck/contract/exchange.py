"""What the contract's connection-management tests share: how long their clients wait, and the one
connection each of them makes."""

from wirecheck.flows import Connection

# A response may come this much later than --fin-within allows on a loaded machine before a client
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
