"""One side of a TLS connection read in stream order: each record decrypted where it is encrypted, the handshake
messages parsed, the keys changed where the protocol changes them, and each record described for ladders."""

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, TypeVar

from wirecheck.model._tls_keys import (
    TLS12_LABEL,
    TLS13_LABELS,
    CipherSuite,
    NotDecrypted,
    RecordKeys,
    cipher_suite,
    tls12_keys,
)
from wirecheck.model._tls_records import (
    ALERT,
    APPLICATION_DATA,
    CHANGE_CIPHER_SPEC,
    CONTENT_TYPES,
    ENCRYPTED_EXTENSIONS,
    FINISHED,
    HANDSHAKE,
    KEY_UPDATE,
    SERVER_HELLO,
    HandshakeReader,
    TlsRecord,
    alerts_in,
    handshake_name,
    parse_encrypted_extensions,
    parse_server_hello,
)

if TYPE_CHECKING:
    from wirecheck.model._tls import Tls

_FIRST_LINE_LENGTH = 40
Keys = TypeVar("Keys")
Parsed = TypeVar("Parsed")


class SideReader:
    """Reads one side's records in stream order: decrypts what is encrypted, parses the handshake, describes."""

    def __init__(self, tls: "Tls", from_client: bool) -> None:
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
            hello = parsed(parse_server_hello, body)
            if hello is not None and hello.hello_retry:
                tls.hello_retry = True
                return "HelloRetryRequest"
            tls.server_hello = hello or tls.server_hello
            tls.alpn = hello.alpn if hello is not None else tls.alpn
        elif kind == ENCRYPTED_EXTENSIONS:
            tls.alpn = parsed(parse_encrypted_extensions, body)
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


def parsed(parse: Callable[[bytes], Parsed], body: bytes) -> Parsed | None:
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
