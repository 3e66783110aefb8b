"""TLS records framed from one side's reassembled stream, each tied to its frames; the hellos and alerts parsed.

Theory of operation. A record is a 5-byte header (content type, version, length) and its fragment (RFC 8446
§5.1). Its bytes came in one or more segments: the segment that first carried each byte of the stream is known
from the side's segments (a retransmission carries nothing new, so it never moves a record to a later frame).
A record is complete in the frame that brought the last of its bytes; a stream that ends inside a record (the
capture stopped, a hole) leaves that record incomplete, reported as such. Handshake messages may span records
and records may hold several: HandshakeReader joins one side's handshake bytes and cuts them into messages.
"""

import struct
from bisect import bisect_right
from dataclasses import dataclass, field

from wirecheck.model._flows import Side
from wirecheck.model._frames import Segment
from wirecheck.model._reassembly import merged

CHANGE_CIPHER_SPEC, ALERT, HANDSHAKE, APPLICATION_DATA = 20, 21, 22, 23
CONTENT_TYPES = {CHANGE_CIPHER_SPEC: "ChangeCipherSpec", ALERT: "Alert", HANDSHAKE: "Handshake",
                 APPLICATION_DATA: "Application Data", 24: "Heartbeat"}
CLIENT_HELLO, SERVER_HELLO, ENCRYPTED_EXTENSIONS, FINISHED, KEY_UPDATE = 1, 2, 8, 20, 24
HANDSHAKE_TYPES = {CLIENT_HELLO: "ClientHello", SERVER_HELLO: "ServerHello", 4: "NewSessionTicket",
                   5: "EndOfEarlyData", ENCRYPTED_EXTENSIONS: "EncryptedExtensions", 11: "Certificate",
                   12: "ServerKeyExchange", 13: "CertificateRequest", 14: "ServerHelloDone", 15: "CertificateVerify",
                   16: "ClientKeyExchange", FINISHED: "Finished", KEY_UPDATE: "KeyUpdate", 254: "message_hash"}
VERSIONS = {0x0301: "TLSv1.0", 0x0302: "TLSv1.1", 0x0303: "TLSv1.2", 0x0304: "TLSv1.3"}
TLS13 = 0x0304
ALERT_LEVELS = {1: "warning", 2: "fatal"}
ALERT_DESCRIPTIONS = {  # RFC 8446 §6, and TLS 1.2's no_renegotiation
    0: "close_notify", 10: "unexpected_message", 20: "bad_record_mac", 21: "decryption_failed_RESERVED",
    22: "record_overflow", 40: "handshake_failure", 42: "bad_certificate", 43: "unsupported_certificate",
    44: "certificate_revoked", 45: "certificate_expired", 46: "certificate_unknown", 47: "illegal_parameter",
    48: "unknown_ca", 49: "access_denied", 50: "decode_error", 51: "decrypt_error", 70: "protocol_version",
    71: "insufficient_security", 80: "internal_error", 86: "inappropriate_fallback", 90: "user_canceled",
    100: "no_renegotiation", 109: "missing_extension", 110: "unsupported_extension", 112: "unrecognized_name",
    113: "bad_certificate_status_response", 115: "unknown_psk_identity", 116: "certificate_required",
    120: "no_application_protocol",
}
# A ServerHello with this random is a HelloRetryRequest (RFC 8446 §4.1.3): SHA-256 of "HelloRetryRequest".
HELLO_RETRY_RANDOM = bytes.fromhex("CF21AD74E59A6111BE1D8C021E65B891C2A211167ABB8C5E079E09E2C8A8339C")
_HEADER = struct.Struct("!BHH")
SERVER_NAME, ALPN, SUPPORTED_VERSIONS = 0, 16, 43


@dataclass(frozen=True)
class TlsRecord:
    """One TLS record of one side: where it lies in the stream, its frames, and (once read) what it holds."""

    from_client: bool
    outer_type: int  # the header's content type (TLS 1.3 hides the real one inside: `content_type`)
    version: int  # the header's
    start: int  # offsets in the side's TCP stream
    end: int
    first: Segment = field(repr=False)  # carried the record's first byte
    last: Segment = field(repr=False)  # carried its last byte
    completed_by: Segment = field(repr=False)  # brought the last of its bytes to arrive: `last`, unless reordered
    complete: bool
    fragment: bytes = field(repr=False)
    encrypted: bool = False
    content_type: int | None = None  # of `content`: the inner type for TLS 1.3; None when not decrypted
    content: bytes | None = field(default=None, repr=False)  # the plaintext; None when not decrypted
    not_decrypted: str | None = None  # why the record could not be read
    description: str = ""  # for ladders: "ServerHello", 'Application Data "GET / HTTP/1.1"', "Alert close_notify"


@dataclass(frozen=True)
class Alert:
    level: str  # "warning" or "fatal"
    description: str  # RFC 8446 §6's name: close_notify, bad_record_mac, ...
    record: TlsRecord


@dataclass(frozen=True)
class ClientHello:
    random: bytes
    server_name: str | None
    alpn: tuple[str, ...]  # the protocols offered


@dataclass(frozen=True)
class ServerHello:
    random: bytes
    version: int  # the one chosen: supported_versions' for TLS 1.3
    cipher_suite: int
    alpn: str | None  # TLS 1.2's (TLS 1.3 says it in EncryptedExtensions)

    @property
    def hello_retry(self) -> bool:
        return self.random == HELLO_RETRY_RANDOM


def frame_records(side: Side, from_client: bool) -> list[TlsRecord]:
    """The records in `side.data`, in stream order; the last is incomplete if the stream ends inside it."""
    carriers = _Carriers(side)
    data, records, start = side.data, [], 0
    while start < len(data):
        outer_type, version, length = _HEADER.unpack(data[start:start + 5]) if len(data) - start >= 5 else (
            data[start], 0, len(data))
        end = min(start + 5 + length, len(data))
        records.append(TlsRecord(from_client, outer_type, version, start, end, carriers.at(start),
                                 carriers.at(end - 1), carriers.latest(start, end), end == start + 5 + length,
                                 data[start + 5:end]))
        start = end
    return records


class _Carriers:
    """The segment that first carried each byte of a side's stream, as ranges of offsets."""

    def __init__(self, side: Side) -> None:
        pieces: list[tuple[int, int, Segment]] = []
        covered: list[tuple[int, int]] = []
        for segment in side.segments:
            start = side.offset(segment.seq)
            end = min(start + len(segment.payload), len(side.data))
            if start >= end:
                continue
            pieces += [(low, high, segment) for low, high in _uncovered(start, end, covered)]
            covered = merged([*covered, (start, end)])
        self._pieces = sorted(pieces, key=lambda piece: piece[0])
        self._starts = [low for low, _, _ in self._pieces]

    def at(self, offset: int) -> Segment:
        return self._pieces[bisect_right(self._starts, offset) - 1][2]

    def latest(self, start: int, end: int) -> Segment:
        first, last = bisect_right(self._starts, start) - 1, bisect_right(self._starts, end - 1)
        return max((segment for _, _, segment in self._pieces[first:last]), key=lambda segment: segment.index)


def _uncovered(start: int, end: int, covered: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The parts of [start, end) outside the sorted, merged ranges `covered`."""
    parts = []
    for low, high in covered:
        if high <= start:
            continue
        if low >= end:
            break
        if low > start:
            parts.append((start, low))
        start = max(start, high)
    return [*parts, (start, end)] if start < end else parts


class HandshakeReader:
    """One side's handshake messages, from its handshake bytes fed record by record."""

    def __init__(self) -> None:
        self._pending = b""

    def feed(self, data: bytes) -> list[tuple[int, bytes]]:
        """The messages (type, body) that `data` completes."""
        self._pending += data
        messages = []
        while len(self._pending) >= 4 and len(self._pending) >= 4 + int.from_bytes(self._pending[1:4], "big"):
            end = 4 + int.from_bytes(self._pending[1:4], "big")
            messages.append((self._pending[0], self._pending[4:end]))
            self._pending = self._pending[end:]
        return messages

    @property
    def partial(self) -> str | None:
        """The name of the message begun and not yet ended, if any."""
        return handshake_name(self._pending[0]) if self._pending else None


def handshake_name(message_type: int) -> str:
    return HANDSHAKE_TYPES.get(message_type, f"handshake type {message_type}")


def alerts_in(record: TlsRecord) -> list[Alert]:
    content = record.content or b""
    return [Alert(ALERT_LEVELS.get(content[at], f"level {content[at]}"),
                  ALERT_DESCRIPTIONS.get(content[at + 1], f"alert {content[at + 1]}"), record)
            for at in range(0, len(content) - 1, 2)]


class _Reader:
    """Reads a handshake body; anything cut short raises ValueError."""

    def __init__(self, data: bytes) -> None:
        self.data, self.at = data, 0

    def take(self, count: int) -> bytes:
        if self.at + count > len(self.data):
            raise ValueError("a handshake message cut short")
        self.at += count
        return self.data[self.at - count:self.at]

    def number(self, size: int) -> int:
        return int.from_bytes(self.take(size), "big")

    def vector(self, length_size: int) -> bytes:
        return self.take(self.number(length_size))


def extensions(reader: _Reader) -> dict[int, bytes]:
    """The extensions block at the reader's place (none if the message ends first: TLS 1.2 allows that)."""
    if reader.at >= len(reader.data):
        return {}
    block, found = _Reader(reader.vector(2)), {}
    while block.at < len(block.data):
        kind = block.number(2)
        found[kind] = block.vector(2)
    return found


def parse_client_hello(body: bytes) -> ClientHello:
    reader = _Reader(body)
    reader.take(2)
    random = reader.take(32)
    for length_size in (1, 2, 1):  # session id, cipher suites, compression methods
        reader.vector(length_size)
    found = extensions(reader)
    server_name = None
    if SERVER_NAME in found:  # a list of one host_name (type 0): its 2-byte list length, type, and the name
        server_name = _Reader(found[SERVER_NAME][3:]).vector(2).decode("ascii", "replace")
    return ClientHello(random, server_name, _protocols(found.get(ALPN)))


def parse_server_hello(body: bytes) -> ServerHello:
    reader = _Reader(body)
    version = reader.number(2)
    random = reader.take(32)
    reader.vector(1)
    cipher_suite = reader.number(2)
    reader.take(1)
    found = extensions(reader)
    if SUPPORTED_VERSIONS in found:
        version = int.from_bytes(found[SUPPORTED_VERSIONS][:2], "big")
    protocols = _protocols(found.get(ALPN))
    return ServerHello(random, version, cipher_suite, protocols[0] if protocols else None)


def parse_encrypted_extensions(body: bytes) -> str | None:
    """The protocol the server chose by ALPN, if it did (TLS 1.3)."""
    protocols = _protocols(extensions(_Reader(body)).get(ALPN))
    return protocols[0] if protocols else None


def _protocols(extension: bytes | None) -> tuple[str, ...]:
    if extension is None:
        return ()
    reader, protocols = _Reader(_Reader(extension).vector(2)), []
    while reader.at < len(reader.data):
        protocols.append(reader.vector(1).decode("ascii", "replace"))
    return tuple(protocols)
