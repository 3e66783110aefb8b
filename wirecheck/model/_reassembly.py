"""Reassemble one side of a connection: its byte stream laid out by sequence number from the segments it sent."""

from typing import TYPE_CHECKING

from wirecheck.model._frames import Segment

if TYPE_CHECKING:
    from wirecheck.model._flows import Side


def reassemble(side: "Side") -> None:
    """Fill `data`, `first_data`, `last_data`, `retransmissions` and `gap` from the segments.

    A segment whose bytes had all been seen before (in capture order) is a retransmission
    and adds nothing; the others are laid out by sequence number, whatever order they
    arrived in, and the stream stops at the first hole.
    """
    seen: list[tuple[int, int]] = []  # byte ranges already carried, merged
    pieces: list[tuple[int, Segment]] = []
    for segment in side.segments:
        if not segment.payload:
            continue
        start = side.offset(segment.seq)
        end = start + len(segment.payload)
        if any(low <= start and end <= high for low, high in seen):
            side.retransmissions += 1
            continue
        pieces.append((start, segment))
        seen = merged([*seen, (start, end)])
    data = bytearray()
    for start, segment in sorted(pieces, key=lambda piece: piece[0]):
        if start > len(data):
            side.gap = True
            break
        if start + len(segment.payload) > len(data):
            side.first_data = side.first_data or segment
            side.last_data = segment
            data += segment.payload[len(data) - start:]
    side.data = bytes(data)


def merged(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """`ranges` sorted, those that overlap or touch joined."""
    joined: list[tuple[int, int]] = []
    for low, high in sorted(ranges):
        if joined and low <= joined[-1][1]:
            joined[-1] = (joined[-1][0], max(joined[-1][1], high))
        else:
            joined.append((low, high))
    return joined
