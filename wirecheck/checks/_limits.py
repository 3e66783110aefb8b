"""Claims about a server pushed to its limits: past its open-files limit (RLIMIT_NOFILE), and a client that does
not read what it asked for.

The facts come from the process table (the tree's CPU, whether it still runs), the clients (how each excess
connection stood) and the capture (when a fresh client was answered, when the non-reader's window closed, when
the server let it go); each verdict is anchored to the frame the fact is about.
"""

from collections import Counter

from wirecheck.checks import _categories as categories
from wirecheck.checks._timing import Tolerance, seconds
from wirecheck.checks._verdict import Verdict
from wirecheck.model._flows import Connection
from wirecheck.model._frames import Segment


def at_descriptor_limit(cpu_share: float, most: float, running: bool, output: str, standing: list[str],
                        anchor: Segment | None = None) -> Verdict:
    """While more idle connections than the server's open-files limit allows were held: its tree demanded at most
    `most` of a core (`cpu_share`: running or runnable), it still ran, and how each excess connection stood
    (`standing`: categories)."""
    verdict = Verdict()
    verdict.figure("cpu_at_limit", cpu_share)
    verdict.figure("excess_connections", categories.mixture(standing))
    counted = ", ".join(f"{count} {categories.wording(kind)}" for kind, count in sorted(Counter(standing).items()))
    verdict.note(anchor, f"process table: {len(standing)} connections held past the descriptor limit ({counted}); "
                         f"the server's tree demanded {cpu_share:.0%} of a core")
    if not running:
        verdict.problem("died-at-descriptor-limit", "expected the server to keep running past its descriptor limit, "
                                                    f"it exited; its output:\n{output}", anchor)
    elif cpu_share > most:
        verdict.problem("spins-at-descriptor-limit", f"expected the server's tree to demand at most {most:.0%} of a "
                                                     "core while clients past its descriptor limit waited, it demanded "
                                                     f"{cpu_share:.0%}: it retries accept() at once", anchor)
    return verdict


def recovered(fresh: Connection, left_at: float, within: float, tolerance: Tolerance) -> Verdict:
    """A fresh client, which connected once the crowd had left (at `left_at`, wall clock), got its response's
    first byte within `within` of that, give or take the timing tolerance: a server may take its listening socket
    back on a periodic tick (lighttpd's is 1 s), which lands anywhere in that second."""
    verdict = Verdict(fresh)
    answer = fresh.sent_by_server.first_data
    if answer is None:
        verdict.problem("not-recovered", f"expected a fresh client answered within {seconds(within)} after the "
                                         "crowd past the descriptor limit left, it was not answered",
                        fresh.segments[-1] if fresh.segments else None)
        return verdict
    took = max(0.0, answer.time - left_at)
    verdict.figure("recovery_time", took)
    if took > within + tolerance.of(within):
        verdict.problem("not-recovered", f"expected a fresh client answered within {seconds(within)} after the crowd "
                                         f"past the descriptor limit left, it was answered {seconds(took)} after",
                        answer)
    else:
        verdict.note(answer, f"answered {seconds(took)} after the crowd past the descriptor limit left")
    return verdict


# A window smaller than the smallest segment every TCP takes (RFC 9293 §3.7.1) is closed to a sender that avoids the
# silly window syndrome (RFC 9293 §3.8.6.2.1): a receiver with a tiny buffer may never advertise 0 (88 bytes, seen).
CLOSED_WINDOW_BELOW = 536


def window_closed(connection: Connection) -> Segment | None:
    """The client's first acknowledgement that closed its receive window (smaller than a segment), once it had data
    to take."""
    return next((s for s in connection.sent_by_client.segments
                 if s.window < CLOSED_WINDOW_BELOW and connection.sent_by_server.first_data is not None
                 and s.time >= connection.sent_by_server.first_data.time), None)


def server_bytes_before(connection: Connection, moment: Segment | None) -> int:
    """How many bytes of its stream the server had sent by `moment` (all of them if None)."""
    side = connection.sent_by_server
    sent = [side.offset(s.seq) + len(s.payload) for s in side.segments
            if s.payload and (moment is None or s.time <= moment.time)]
    return max(sent, default=0)


def slow_reader_cut_off(connection: Connection, released_at: float | None, within: float,
                        tolerance: Tolerance) -> Verdict:
    """The server let go of a client that stopped reading within `within` (--wire-send-timeout) of the client's
    window closing: it closed or reset the connection on the wire, or, where its FIN had to wait behind the closed
    window, no process of its tree held the connection any more (`released_at`, wall clock, from the process
    table). A window that never closed held everything the server sent: nothing backed up, nothing to cut off."""
    verdict = Verdict(connection)
    closed = window_closed(connection)
    verdict.figure("bytes_before_window_closed", server_bytes_before(connection, closed))
    ending = connection.sent_by_server.ending
    if closed is None:
        verdict.figure("slow_reader_ending", _ending(connection, released_at))
        verdict.note(connection.segments[-1], "the client's window never closed: nothing backed up")
        return verdict
    verdict.note(closed, "the client's receive window closed: the server's responses back up from here")
    let_go = [t for t in (ending.time if ending is not None else None, released_at) if t is not None]
    if not let_go:
        verdict.figure("slow_reader_ending", categories.OPEN)
        verdict.problem("slow-reader-not-cut-off", f"expected the server to cut off a client that does not read "
                                                   f"within {seconds(within)} of its window closing, it never did",
                        connection.segments[-1])
        return verdict
    took = max(0.0, min(let_go) - closed.time)
    verdict.figure("slow_reader_ending", _ending(connection, released_at))
    if took > within + tolerance.of(within):
        verdict.problem("slow-reader-not-cut-off", f"expected the server to cut off a client that does not read "
                                                   f"within {seconds(within)} of its window closing, it took "
                                                   f"{seconds(took)}", ending or connection.segments[-1])
        return verdict
    verdict.figure("send_timeout", took)
    verdict.note(ending or connection.segments[-1], f"the server let the client go {seconds(took)} after its window "
                                                    "closed")
    return verdict


def _ending(connection: Connection, released_at: float | None) -> str:
    """How the server ended the non-reader's connection: FIN, RST, closed with its FIN stuck behind the closed
    window, or still open."""
    side = connection.sent_by_server
    if side.ending is not None:
        return categories.RST if side.reset else categories.FIN
    return categories.CLOSED_UNSENT if released_at is not None else categories.OPEN


def starved(others: Verdict) -> Verdict:
    """The problems of the clients served beside a non-reader, as starvation: the non-reader held them up."""
    verdict = Verdict()
    verdict.notes, verdict.figures = others.notes, others.figures
    for problem in others.problems:
        verdict.problem("starved-by-slow-reader", f"while a client did not read its responses: {problem.message}",
                        problem.segment, problem.connection)
    return verdict
