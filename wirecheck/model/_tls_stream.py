"""One side's decrypted application data, laid out as a TCP side is, so that HTTP is read from it alike."""

from bisect import bisect_right

from wirecheck.model._flows import Side
from wirecheck.model._frames import Segment
from wirecheck.model._tls_records import APPLICATION_DATA, TlsRecord


class TlsStream:
    """One side's decrypted application data, laid out as a Side is, so that the HTTP layer and the checks read it
    alike: `data`, `first_data` and `last_data` (the frames that completed the records holding its first and last
    byte), and the side's TCP ending (`fin`, `rst`, `ending`). `segment_at(offset)` maps any byte to its frame, and
    `bytes_before(index)` says how much of it had come before a frame (Side.offset's job for plain TCP)."""

    def __init__(self, side: Side, records: list[TlsRecord]) -> None:
        self.fin, self.rst, self.ending = side.fin, side.rst, side.ending
        self._carried: list[tuple[int, TlsRecord]] = []  # each application data record, at its plaintext offset
        data = bytearray()
        for record in records:
            if record.content is None:
                break  # nothing after a record not read is known to follow it
            if record.content_type == APPLICATION_DATA and record.content:
                self._carried.append((len(data), record))
                data += record.content
        self.data = bytes(data)
        self._starts = [offset for offset, _ in self._carried]

    @property
    def first_data(self) -> Segment | None:
        return self._carried[0][1].completed_by if self._carried else None

    @property
    def last_data(self) -> Segment | None:
        return self._carried[-1][1].completed_by if self._carried else None

    def segment_at(self, offset: int) -> Segment:
        """The frame that completed the record holding byte `offset`."""
        if not 0 <= offset < len(self.data):
            raise IndexError(f"byte {offset} of {len(self.data)} plaintext bytes")
        return self._carried[bisect_right(self._starts, offset) - 1][1].completed_by

    def bytes_before(self, index: int) -> int:
        """How many bytes of the plaintext the frames before frame `index` had completed."""
        return max((offset + len(record.content or b"") for offset, record in self._carried
                    if record.completed_by.index < index), default=0)
