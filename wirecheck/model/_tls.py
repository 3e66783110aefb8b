"""TLS on one connection: its records in capture order, read with the key log where it has the secrets.

Theory of operation. A connection is TLS when the client's stream begins with a handshake record. Each side's
records are framed (model/_tls_records.py); the ClientHello names the client random, which finds the secrets in
the key log; the ServerHello names the version and the cipher suite. Each side is then read in stream order,
plaintext until it encrypts: in TLS 1.2 after its ChangeCipherSpec (the key block's keys), in TLS 1.3 every
application_data record (the handshake secret's keys until that side's Finished, then the traffic secret's; a
KeyUpdate moves on to the next). ChangeCipherSpec records of TLS 1.3 are compatibility noise: never encrypted,
never counted. A record that cannot be read keeps the reason; a side's plaintext (its application data, joined)
stops at its first record not decrypted, as a TCP stream stops at a hole. Early data (0-RTT) is not decrypted.
"""

from collections.abc import Callable
from dataclasses import replace
from functools import cached_property
from typing import TypeVar

from wirecheck.model._flows import Connection
from wirecheck.model._frames import Segment
from wirecheck.model._tls_keys import (
    TLS12_LABEL,
    TLS13_LABELS,
    CipherSuite,
    KeyLog,
    NotDecrypted,
    RecordKeys,
    cipher_suite,
    tls12_keys,
)
from wirecheck.model._tls_records import (
    ALERT,
    APPLICATION_DATA,
    CHANGE_CIPHER_SPEC,
    CLIENT_HELLO,
    CONTENT_TYPES,
    ENCRYPTED_EXTENSIONS,
    FINISHED,
    HANDSHAKE,
    KEY_UPDATE,
    SERVER_HELLO,
    TLS13,
    VERSIONS,
    Alert,
    ClientHello,
    HandshakeReader,
    ServerHello,
    TlsRecord,
    alerts_in,
    frame_records,
    handshake_name,
    parse_client_hello,
    parse_encrypted_extensions,
    parse_server_hello,
)
from wirecheck.model._tls_stream import TlsStream

_FIRST_LINE_LENGTH = 40
Keys = TypeVar("Keys")
Parsed = TypeVar("Parsed")


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
        server_records = _SideReader(self, False).read(frame_records(connection.sent_by_server, False))
        client_records = _SideReader(self, True).read(client_records)
        self.records = sorted([*client_records, *server_records], key=lambda record: record.completed_by.index)

    def _read_client_hello(self, records: list[TlsRecord]) -> None:
        reader = HandshakeReader()
        for record in records:
            if record.outer_type != HANDSHAKE:
                return
            hello = next((body for kind, body in reader.feed(record.fragment) if kind == CLIENT_HELLO), None)
            if hello is not None:
                self.client_hello = _parsed(parse_client_hello, hello)
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


class _SideReader:
    """Reads one side's records in stream order: decrypts what is encrypted, parses the handshake, describes."""

    def __init__(self, tls: Tls, from_client: bool) -> None:
        self.tls, self.from_client = tls, from_client
        self.handshake = HandshakeReader()
        self.keys: RecordKeys | None = None
        self.no_keys: str | None = None  # why this side has no keys, once it needed them
        self.changed_cipher = False  # TLS 1.2: this side sent ChangeCipherSpec, it encrypts from here on
        self.secret: bytes | None = None  # TLS 1.3: the traffic secret in use (a KeyUpdate derives the next)

    def read(self, records: list[TlsRecord]) -> list[TlsRecord]:
        return [self._read(record) for record in records]

    @property
    def tls13(self) -> bool:
        return self.tls.tls13

    def _read(self, record: TlsRecord) -> TlsRecord:
        if not record.complete:
            return replace(record, description=f"{CONTENT_TYPES.get(record.outer_type, 'record')} (incomplete)")
        if record.outer_type == CHANGE_CIPHER_SPEC:
            if not self.tls13 and not self.changed_cipher:
                self.changed_cipher = True
                self._use_tls12_keys()
            return replace(record, content_type=CHANGE_CIPHER_SPEC, content=record.fragment,
                           description="ChangeCipherSpec")
        if not (record.outer_type == APPLICATION_DATA if self.tls13 else self.changed_cipher):
            return self._with_content(record, record.outer_type, record.fragment)
        if self.tls13 and self.keys is None and self.no_keys is None:
            self._use_tls13_keys(TLS13_LABELS[(self.from_client, "handshake")])
        try:
            content_type, content = self._decrypt(record)
        except NotDecrypted as failure:
            self._finished_unread(record)
            return replace(record, encrypted=True, not_decrypted=str(failure), description=f"encrypted ({failure})")
        return self._with_content(replace(record, encrypted=True), content_type, content)

    def _decrypt(self, record: TlsRecord) -> tuple[int, bytes]:
        if self.keys is None:
            raise NotDecrypted(self.no_keys or "no key")
        plaintext = self.keys.decrypt(record.outer_type, record.version, record.fragment)
        if not self.tls13:
            return record.outer_type, plaintext
        inner = plaintext.rstrip(b"\x00")  # TLS 1.3 pads with zeros after the inner content type
        if not inner:
            raise NotDecrypted("no inner content type: the record is all padding")
        return inner[-1], inner[:-1]

    def _with_content(self, record: TlsRecord, content_type: int, content: bytes) -> TlsRecord:
        record = replace(record, content_type=content_type, content=content)
        if content_type == HANDSHAKE:
            names = [self._handshake_message(kind, body, record) for kind, body in self.handshake.feed(content)]
            description = ", ".join(names) or f"{self.handshake.partial or 'Handshake'} (part)"
        elif content_type == ALERT:
            description = ", ".join(f"Alert {alert.description}" for alert in alerts_in(record)) or "Alert"
        elif content_type == APPLICATION_DATA:
            description = _first_line(content)
        else:
            description = CONTENT_TYPES.get(content_type, f"record type {content_type}")
        return replace(record, description=description)

    def _finished_unread(self, record: TlsRecord) -> None:
        """Without keys a Finished is still known by its place: TLS 1.2's first encrypted handshake record, and in
        TLS 1.3 the client's first encrypted record (its last flight: only client authentication puts more in it)."""
        if (record.outer_type == HANDSHAKE and not self.tls13) or (self.tls13 and self.from_client):
            self.tls.finished.setdefault(self.from_client, record.completed_by)

    def _handshake_message(self, kind: int, body: bytes, record: TlsRecord) -> str:
        """The message's name; the facts and the key changes it brings are taken on the way."""
        tls = self.tls
        if kind == SERVER_HELLO and not self.from_client:
            hello = _parsed(parse_server_hello, body)
            if hello is not None and hello.hello_retry:
                tls.hello_retry = True
                return "HelloRetryRequest"
            tls.server_hello = hello or tls.server_hello
            tls.alpn = hello.alpn if hello is not None else tls.alpn
        elif kind == ENCRYPTED_EXTENSIONS:
            tls.alpn = _parsed(parse_encrypted_extensions, body)
        elif kind == FINISHED:
            tls.finished.setdefault(self.from_client, record.completed_by)
            if self.tls13 and self.keys is not None:  # the records after this side's Finished use traffic keys
                self._use_tls13_keys(TLS13_LABELS[(self.from_client, "application")])
        elif kind == KEY_UPDATE and self.keys is not None and self.secret is not None:
            self.keys, self.secret = self.keys.updated(self.secret)
        return handshake_name(kind)

    def _use_tls13_keys(self, label: str) -> None:
        secret = self.secret = self._secret(label)
        self.keys = self._keys(lambda suite: RecordKeys.from_traffic_secret(suite, secret)) if secret else None

    def _use_tls12_keys(self) -> None:
        master, hello, client_random = self._secret(TLS12_LABEL), self.tls.server_hello, self.tls.client_random
        if master is not None and hello is not None and client_random is not None:
            both = self._keys(lambda suite: tls12_keys(suite, master, client_random, hello.random))
            self.keys = both[0 if self.from_client else 1] if both else None

    def _keys(self, make: Callable[[CipherSuite], Keys]) -> Keys | None:
        """The keys `make` builds for the connection's suite, or None with the reason kept."""
        assert self.tls.server_hello is not None
        try:
            return make(cipher_suite(self.tls.server_hello.cipher_suite))
        except NotDecrypted as failure:
            self.no_keys = str(failure)
            return None

    def _secret(self, label: str) -> bytes | None:
        """This connection's secret from the key log, or None with the reason kept."""
        keylog, random = self.tls.keylog, self.tls.client_random
        if self.tls.server_hello is None:
            self.no_keys = "no ServerHello: the cipher suite is not known"
            return None
        secret = keylog.secret(random, label) if keylog is not None and random is not None else None
        if secret is None:
            self.no_keys = "no key"
        return secret


def _parsed(parse: Callable[[bytes], Parsed], body: bytes) -> Parsed | None:
    """What `parse` reads from a handshake body, or None for a malformed one."""
    try:
        return parse(body)
    except (ValueError, IndexError):
        return None


def _first_line(content: bytes) -> str:
    """'Application Data "GET / HTTP/1.1"': the first line of what the record carries, cut short."""
    line = content.split(b"\n", 1)[0].rstrip(b"\r")
    text = line[:_FIRST_LINE_LENGTH].decode("ascii", "backslashreplace")
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return f'Application Data "{text}{"..." if len(line) > _FIRST_LINE_LENGTH else ""}"'
