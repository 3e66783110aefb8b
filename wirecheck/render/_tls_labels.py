"""What each frame of a TLS connection carries, for ladders: the records it completes, as the model describes them.

A record often spans frames, and one frame often completes several records: a frame is labelled by the records
whose last byte it brought (`TlsRecord.completed_by`), joined, up to RECORDS_CHARACTERS. A frame that completes
none says why: it carries part of a record a later frame completes, or only bytes sent before (a retransmission),
or bytes past a hole in its side's stream, which the model cannot frame into records.
"""

from wirecheck.model._flows import Connection, Side
from wirecheck.model._frames import Segment
from wirecheck.model._tls_records import TlsRecord

RECORDS_CHARACTERS = 100  # past it, a frame's records that do not fit are counted, not named
PART_OF_A_RECORD, SENT_AGAIN, PAST_A_HOLE = "(part of a record)", "(sent again)", "(past a hole: not framed)"


def record_labels(connection: Connection) -> dict[int, str]:
    """Frame index -> what it carries, for each frame of a TLS connection with data; empty for plain TCP."""
    tls = connection.tls
    if tls is None:
        return {}
    completed: dict[int, list[str]] = {}
    for record in tls.records:
        completed.setdefault(record.completed_by.index, []).append(record.description)
    labels = {}
    for from_client, side in ((True, connection.sent_by_client), (False, connection.sent_by_server)):
        records = tls.side_records(from_client)
        for segment in side.segments:
            if segment.payload:
                labels[segment.index] = (joined(completed[segment.index]) if segment.index in completed
                                         else _completing_none(segment, side, records))
    return labels


def joined(descriptions: list[str]) -> str:
    """The descriptions joined with ", " as far as RECORDS_CHARACTERS allows (the first always), then how many more."""
    shown = descriptions[:1]
    for description in descriptions[1:]:
        if len(", ".join([*shown, description])) > RECORDS_CHARACTERS:
            break
        shown.append(description)
    more = len(descriptions) - len(shown)
    return ", ".join(shown) + (f" and {more} more record{'s' * (more > 1)}" if more else "")


def _completing_none(segment: Segment, side: Side, records: list[TlsRecord]) -> str:
    """Why a frame with data completes no record; `records` are its side's."""
    start = side.offset(segment.seq)
    end = start + len(segment.payload)
    overlapping = [record for record in records if record.start < end and start < record.end]
    if not overlapping:
        return PAST_A_HOLE
    later = any(record.completed_by.index > segment.index for record in overlapping)
    return PART_OF_A_RECORD if later else SENT_AGAIN
