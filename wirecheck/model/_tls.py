"""TLS on one connection: its records in capture order, read with the key log where it has the secrets.

Theory of operation. A connection is TLS when the client's stream begins with a handshake record. Each side's
records are framed (model/_tls_records.py) and read (model/_tls_side.py); the ClientHello names the client random,
which finds the secrets in the key log; the ServerHello names the version and the cipher suite. Each side is read in
stream order, plaintext until it encrypts: in TLS 1.2 after its ChangeCipherSpec (the key block's keys), in TLS 1.3
every application_data record (the handshake secret's keys until that side's Finished, then the traffic secret's; a
KeyUpdate moves on to the next). ChangeCipherSpec records of TLS 1.3 are compatibility noise: never encrypted,
never counted. A record that cannot be read keeps the reason; a side's plaintext (its application data, joined)
stops at its first record not decrypted, as a TCP stream stops at a hole. Early data (0-RTT) is not decrypted.
"""

from functools import cached_property

from wirecheck.model._flows import Connection
from wirecheck.model._frames import Segment
from wirecheck.model._tls_keys import KeyLog, cipher_suite
from wirecheck.model._tls_records import (
    ALERT,
    CLIENT_HELLO,
    HANDSHAKE,
    TLS13,
    VERSIONS,
    Alert,
    ClientHello,
    HandshakeReader,
    ServerHello,
    TlsRecord,
    alerts_in,
    frame_records,
    parse_client_hello,
)
from wirecheck.model._tls_side import SideReader, parsed
from wirecheck.model._tls_stream import TlsStream


def tls_of(connection: Connection, keylog: KeyLog | None) -> "Tls | None":
    """The connection's TLS, when the client's stream begins with a handshake record (type 22, version 3.x)."""
    return Tls(connection, keylog) if connection.sent_by_client.data[:2] == b"\x16\x03" else None


class Tls:
    """The TLS of one connection; `connection.tls` (None for plain TCP)."""

    def __init__(self, connection: Connection, keylog: KeyLog | None = None) -> None:
        self.connection, self.keylog = connection, keylog
        self.client_hello: ClientHello | None = None
        self.server_hello: ServerHello | None = None  # the last: after a HelloRetryRequest, the real one
        self.hello_retry = False
        self.alpn: str | None = None
        self.finished: dict[bool, Segment] = {}  # by from_client: the frame that completed each side's Finished
        client_records = frame_records(connection.sent_by_client, True)
        self._read_client_hello(client_records)
        # the server's side first: its ServerHello says how to read the client's
        server_records = SideReader(self, False).read(frame_records(connection.sent_by_server, False))
        client_records = SideReader(self, True).read(client_records)
        self.records = sorted([*client_records, *server_records], key=lambda record: record.completed_by.index)

    def _read_client_hello(self, records: list[TlsRecord]) -> None:
        reader = HandshakeReader()
        for record in records:
            if record.outer_type != HANDSHAKE:
                return
            hello = next((body for kind, body in reader.feed(record.fragment) if kind == CLIENT_HELLO), None)
            if hello is not None:
                self.client_hello = parsed(parse_client_hello, hello)
                return

    @property
    def client_random(self) -> bytes | None:
        return self.client_hello.random if self.client_hello else None

    @property
    def version(self) -> str | None:
        """"TLSv1.2", "TLSv1.3", ... as the ServerHello chose."""
        if self.server_hello is None:
            return None
        return VERSIONS.get(self.server_hello.version, f"0x{self.server_hello.version:04X}")

    @property
    def cipher(self) -> str | None:
        """The cipher suite's IANA name (TLS_AES_128_GCM_SHA256, ...)."""
        return cipher_suite(self.server_hello.cipher_suite).name if self.server_hello else None

    @property
    def decrypted(self) -> bool:
        """Whether the key log opened this connection: some record was decrypted."""
        return any(record.encrypted and record.content is not None for record in self.records)

    @property
    def handshake_started(self) -> Segment | None:
        """The frame that carried the first ClientHello's first byte."""
        first = next((r for r in self.records if r.from_client and r.outer_type == HANDSHAKE), None)
        return first.first if first else None

    @property
    def tls13(self) -> bool:
        hello = self.server_hello
        return self.hello_retry or (hello is not None and hello.version == TLS13)

    @property
    def handshake_complete(self) -> Segment | None:
        """The frame that completed the handshake: the later Finished (in TLS 1.3 always the client's)."""
        if True not in self.finished or (False not in self.finished and not self.tls13):
            return None
        return max(self.finished.values(), key=lambda segment: segment.index)

    @property
    def handshake_time(self) -> float | None:
        """Seconds from the first ClientHello's first frame to the frame that completed the handshake."""
        started, complete = self.handshake_started, self.handshake_complete
        return complete.time - started.time if started and complete else None

    def side_records(self, from_client: bool) -> list[TlsRecord]:
        """One side's records, in stream order."""
        return sorted((r for r in self.records if r.from_client == from_client), key=lambda record: record.start)

    def alerts(self, from_client: bool) -> list[Alert]:
        """The alerts one side sent, decrypted or in the clear."""
        return [alert for record in self.side_records(from_client) if record.content_type == ALERT
                for alert in alerts_in(record)]

    def close_notify(self, from_client: bool) -> TlsRecord | None:
        """The record of that side's first close_notify alert, or None."""
        return next((alert.record for alert in self.alerts(from_client) if alert.description == "close_notify"), None)

    def plaintext(self, from_client: bool) -> bytes:
        """One side's application data, joined; it stops at the side's first record not decrypted."""
        return self.stream(from_client).data

    def stream(self, from_client: bool) -> TlsStream:
        """One side's application data, laid out as a Side is (see TlsStream)."""
        return self._streams[from_client]

    @cached_property
    def _streams(self) -> dict[bool, TlsStream]:
        connection = self.connection
        return {True: TlsStream(connection.sent_by_client, self.side_records(True)),
                False: TlsStream(connection.sent_by_server, self.side_records(False))}

    def segment_at(self, from_client: bool, offset: int) -> Segment:
        """The frame that completed the record holding byte `offset` of that side's plaintext."""
        return self.stream(from_client).segment_at(offset)
