"""Claims about a server under load, read from the wire: a burst's connects answered without a SYN sent again,
how long connects and first response bytes took, and a fresh client answered beside a crowd of idle connections.

Connect time is the client's: from its first SYN to its ACK of the SYN-ACK (what connect() waits for, every SYN
sent again included). Time to the first response byte is the server's: from the request's last byte to the
response's first, per connection, whatever the handshake cost.
"""

import math

from wirecheck.checks._timing import seconds
from wirecheck.checks._verdict import Verdict
from wirecheck.model._flows import Connection
from wirecheck.model._frames import ACK, SYN, Segment


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile (0.5: the median, 0.99: p99) of `values`, which must not be empty."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def syns_sent_again(connection: Connection) -> list[Segment]:
    """The client's SYNs after its first one (the same sequence number: the same connect, its SYN unanswered)."""
    syns = [s for s in connection.sent_by_client.segments if s.flags & (SYN | ACK) == SYN]
    return syns[1:]


def connect_time(connection: Connection) -> float | None:
    """From the client's first SYN to its ACK that completes the handshake; None if it never completed."""
    if connection.syn is None or connection.handshake_ack is None:
        return None
    return connection.handshake_ack.time - connection.syn.time


def first_byte_time(connection: Connection) -> float | None:
    """From the request's last byte to the response's first byte; None without both."""
    request, response = connection.stream(True).last_data, connection.stream(False).first_data
    if request is None or response is None:
        return None
    return response.time - request.time


def burst_answered(connections: list[Connection], backlog: int | None, queue_peak: int) -> Verdict:
    """Connects made all at once: each answered (a response came) with no SYN sent again. One problem of each
    kind, on the first connection it is about, says how many; every SYN sent again is noted on its frame."""
    verdict = Verdict()
    again = [(connection, syn) for connection in connections for syn in syns_sent_again(connection)]
    for _, syn in again:
        verdict.note(syn, "SYN sent again: the first one was dropped, unanswered (the accept queue was full)")
    where = f"listen backlog {backlog}, an accept queue of {backlog + 1}" if backlog is not None else "no backlog seen"
    if again:
        connection, syn = min(again, key=lambda found: found[1].time)
        clients = len({id(c) for c, _ in again})
        verdict.problem("syn-retransmitted", f"expected all {len(connections)} simultaneous connects answered without "
                                             f"a SYN sent again, {clients} clients sent theirs again ({len(again)} "
                                             f"SYNs; {where}, its peak seen {queue_peak})", syn, connection)
    unanswered = [c for c in connections if c.stream(False).first_data is None]
    if unanswered:
        verdict.problem("not-served", f"expected a response on each of {len(connections)} simultaneous connections, "
                                      f"{len(unanswered)} got none", unanswered[0].segments[-1], unanswered[0])
    connects = [t for t in map(connect_time, connections) if t is not None]
    if backlog is not None:
        verdict.figure("listen_backlog", backlog)
    verdict.figure("accept_queue_peak", queue_peak)
    verdict.figure("syn_retransmissions", len(again))
    if connects:
        verdict.figure("connect_p50", percentile(connects, 0.5))
        verdict.figure("connect_p99", percentile(connects, 0.99))
    return verdict


def first_byte_figures(connections: list[Connection], concurrency: int) -> Verdict:
    """No claim, two figures: the p50 and p99 of the time to the first response byte at `concurrency`."""
    verdict = Verdict()
    times = [t for t in map(first_byte_time, connections) if t is not None]
    if times:
        verdict.figure(f"first_byte_c{concurrency}_p50", percentile(times, 0.5))
        verdict.figure(f"first_byte_c{concurrency}_p99", percentile(times, 0.99))
    return verdict


def fresh_client_answered(connection: Connection, crowd: int, within: float) -> Verdict:
    """With `crowd` idle connections open, `connection` (a fresh client) had its first response byte within
    `within` of its first SYN: how long the client waited, a SYN dropped past a full queue included."""
    verdict = Verdict(connection)
    response, syn = connection.stream(False).first_data, connection.syn
    waited = None if response is None or syn is None else response.time - syn.time
    if waited is None or waited > within:
        how = "no response came" if waited is None else f"it came {seconds(waited)} after its SYN"
        verdict.problem("crowded-out", f"expected a fresh client answered within {seconds(within)} with {crowd} idle "
                                       f"connections open, {how}", response or connection.segments[-1])
    else:
        verdict.note(response, f"a fresh client answered {seconds(waited)} after its SYN, {crowd} idle connections "
                               "open")
    return verdict
