"""Claims over the server's process table: zombies, descriptors, CLOSE_WAIT, a server that died or would not stop.

The facts come from the process table (wirecheck.server._process_view); each verdict is anchored to
the frame at which the fact was seen, so that it annotates the capture the way a wire check
does and fails with the ladder of the connection it is about.
"""

from wirecheck.checks._timing import seconds
from wirecheck.checks._verdict import Verdict
from wirecheck.model._flows import Connection
from wirecheck.model._frames import Segment


def zombies(count: int, expected: range, after: str, anchor: Segment | None = None,
            connection: Connection | None = None) -> Verdict:
    """A number of unreaped children (zombies) in `expected` `after` something (a burst, say), as the process
    table showed at the moment of `anchor`'s frame."""
    verdict = Verdict(connection)
    verdict.figure("zombies", count)
    wanted = f"{expected.start}" if len(expected) == 1 else f"{expected.start} to {expected.stop - 1}"
    if count not in expected:
        verdict.problem("zombie-children" if count >= expected.stop else "fewer-zombies",
                        f"expected {wanted} zombie children {after}, found {count}", anchor)
    verdict.note(anchor, f"process table: {after}: {count} zombies (children in state Z)")
    return verdict


def descriptors_not_grown(before: int, after: int, slack: int, what: str, anchor: Segment | None = None,
                          connection: Connection | None = None) -> Verdict:
    """The server tree's open descriptors after `what` are at most `slack` above `before`."""
    verdict = Verdict(connection)
    verdict.figure("descriptors_before", before)
    verdict.figure("descriptors_after", after)
    if after > before + slack:
        verdict.problem("descriptor-growth", f"expected the server's open descriptors not to grow with {what}: "
                                             f"{before} before, {after} after (allowed: {slack} more)", anchor)
    verdict.note(anchor, f"process table: {before} open descriptors before {what}, {after} after")
    return verdict


def server_running(running: bool, output: str, anchor: Segment | None = None,
                   connection: Connection | None = None) -> Verdict:
    """The server process still runs (it survived what came before `anchor`'s frame)."""
    verdict = Verdict(connection)
    if not running:
        verdict.problem("server-died", f"expected the server to keep running, it exited; its output:\n{output}",
                        anchor)
    return verdict


def no_close_wait(client_ports: list[int], connections: list[Connection]) -> Verdict:
    """No socket of the server's tree is in CLOSE_WAIT (`client_ports`, from the process table): each one that
    is, is anchored to the client's FIN that the server never answered."""
    verdict = Verdict()
    verdict.figure("close_wait", len(client_ports))
    by_port = {c.client[1]: c for c in connections}
    for port in client_ports:
        connection = by_port.get(port)
        anchor = connection.sent_by_client.fin if connection is not None else None
        verdict.problem("close-wait", f"expected no socket of the server in CLOSE_WAIT, its connection with client "
                                      f"port {port} is: the client closed, the server never did", anchor, connection)
    return verdict


def tree_exited(alive: list[int], drain: float | None, grace: float, signal_name: str,
                anchor: Segment | None = None) -> Verdict:
    """The server's whole process tree exited within `grace` seconds of `signal_name` (`alive`: the pids still
    running then; `drain`: how long it took, if it did)."""
    verdict = Verdict()
    if alive:
        verdict.problem("not-stopped", f"expected the server's process tree to exit within {seconds(grace)} after "
                                       f"{signal_name}, processes {alive} still ran", anchor)
        return verdict
    verdict.figure("drain_time", drain)
    verdict.note(anchor, f"process table: the server's tree exited {seconds(drain)} after {signal_name}")
    return verdict
