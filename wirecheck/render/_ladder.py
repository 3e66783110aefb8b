"""Draw a connection as a ladder, one line a frame, for failure messages and humans.

    +0.000000  C -> S  [S]   seq=0
    +0.000031  S -> C  [SA]  seq=0 ack=1
    +0.000210  C -> S  [PA]  seq=1 ack=1 len=84  "GET /hello HTTP/1.1"
    +1.002911  S -> C  [FA]  seq=34 ack=85       <- server FIN 1.000 s after the response

Times are relative to the connection's first frame (its SYN, when there is one);
sequence numbers are relative to each side's initial sequence number. A TLS connection's
frames show the records they complete instead of their bytes (render/_tls_labels.py):

    +0.003000  C -> S  [PA]  seq=1 ack=1 len=517  ClientHello
    +0.007000  C -> S  [PA]  seq=598 ack=1 len=62  Application Data "GET /hello HTTP/1.1"
"""

from collections.abc import Mapping

from wirecheck.model._flows import STATES, Connection
from wirecheck.model._frames import ACK, FIN, SYN, Segment, seq_distance
from wirecheck.render._tls_labels import record_labels

EXCERPT_CHARACTERS = 32


def ladder(connection: Connection, marks: Mapping[int, str] | None = None) -> str:
    """The connection's frames, with `marks` (frame index -> text) shown beside their frames."""
    marks = marks or {}
    origin = connection.segments[0].time
    client, server = connection.client, connection.server
    title = (f"{client[0]}:{client[1]} -> {server[0]}:{server[1]}  state {connection.state} "
             f"({STATES[connection.state]}), history {connection.history}")
    lines = [title]
    labels = record_labels(connection)
    for segment in connection.segments:
        from_client = connection.from_client(segment)
        line = f"  {segment.time - origin:+.6f}  {'C -> S' if from_client else 'S -> C'}  " \
               f"{'[' + segment.flag_text + ']':<5} {numbers(connection, segment, labels)}"
        if segment.index in marks:
            line = f"{line:<72} <- {marks[segment.index]}"
        lines.append(line.rstrip())
    return "\n".join(lines)


def numbers(connection: Connection, segment: Segment, labels: Mapping[int, str]) -> str:
    """Relative seq and ack, length and what the payload carries: what a ladder writes beside the flags. `labels`
    (record_labels: a TLS connection's records, by frame index) say it where they can, else the payload's first
    line."""
    from_client = connection.from_client(segment)
    own_initial = (connection.sent_by_client if from_client else connection.sent_by_server).initial_seq
    other_initial = (connection.sent_by_server if from_client else connection.sent_by_client).initial_seq
    parts = []
    if segment.payload or segment.flags & (SYN | FIN) or not segment.flags & ACK:
        parts.append(f"seq={seq_distance(own_initial, segment.seq)}")
    if segment.flags & ACK and other_initial is not None:
        parts.append(f"ack={seq_distance(other_initial, segment.ack)}")
    if segment.payload:
        parts.append(f"len={len(segment.payload)}  {labels.get(segment.index) or excerpt(segment.payload)}")
    return " ".join(parts)


def excerpt(payload: bytes) -> str:
    """The payload's first line, printable, short and quoted."""
    first_line = payload.split(b"\n", 1)[0].rstrip(b"\r")
    text = "".join(chr(byte) if 32 <= byte < 127 else "." for byte in first_line[:EXCERPT_CHARACTERS])
    return f'"{text}"' + ("..." if len(first_line) > EXCERPT_CHARACTERS else "")
