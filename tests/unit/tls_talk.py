"""Real TLS sessions made in-process (Python's ssl over MemoryBIO pairs), cut into crafted frames for the unit tests.

Each session is the flights each side wrote, in order, and the client's NSS key log; `frames()` lays them on a
crafted TCP connection (tests/unit/crafted.py), each flight cut into segments of at most `segment_size` bytes.
"""

import ctypes
import ssl
import tempfile
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import trustme
from crafted import T0, Talk

from wirecheck.model._flows import Connection, connections
from wirecheck.model._frames import Frame, decode_all
from wirecheck.model._tls_keys import KeyLog

REQUEST = b"GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\n"
RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Length: 14\r\n\r\nHello, World!\n"
HOST = "localhost"


@dataclass(frozen=True)
class Session:
    flights: tuple[tuple[bool, bytes], ...]  # (sent by the client, the bytes), in the order they were written
    keylog: str
    cipher: str  # as OpenSSL names it
    alpn: str | None = None
    client_error: str | None = None  # why the client gave up the handshake, if it did

    def stream(self, from_client: bool) -> bytes:
        return b"".join(data for sender, data in self.flights if sender == from_client)


@dataclass
class Wire:
    """Frames for a session's flights, each flight's segments remembered by their place in the frames."""

    talk: Talk = field(default_factory=Talk)
    frames: list[Frame] = field(default_factory=list)
    sent: dict[bool, int] = field(default_factory=lambda: {True: 0, False: 0})
    flights: list[list[int]] = field(default_factory=list)  # each flight's frames, by index

    def __post_init__(self) -> None:
        self.frames += [self.talk.syn(T0), self.talk.syn_ack(T0 + 0.001), self.talk.handshake_ack(T0 + 0.002)]

    def send(self, from_client: bool, data: bytes, at: int | None = None) -> int:
        """Sends `data` (at stream offset `at`: a retransmission) in one segment; returns its frame's index."""
        at = self.sent[from_client] if at is None else at
        build = self.talk.by_client if from_client else self.talk.by_server
        self.frames.append(build(T0 + 0.001 * len(self.frames), "PA", 1 + at, 1, data))
        self.sent[from_client] = max(self.sent[from_client], at + len(data))
        return len(self.frames) - 1

    def close(self, from_client: bool, flags: str = "FA") -> int:
        """That side's FIN (or, with "RA", its RST) after what it sent; returns its frame's index."""
        build = self.talk.by_client if from_client else self.talk.by_server
        self.frames.append(build(T0 + 0.001 * len(self.frames), flags, 1 + self.sent[from_client], 1))
        return len(self.frames) - 1

    def connection(self, keylog: str | None) -> Connection:
        found = connections(decode_all(self.frames), self.talk.server_port, KeyLog(keylog) if keylog else None)
        assert len(found) == 1
        return found[0]


def frames(session: Session, segment_size: int = 100_000) -> Wire:
    wire = Wire()
    for from_client, data in session.flights:
        wire.flights.append([wire.send(from_client, data[start:start + segment_size])
                             for start in range(0, len(data), segment_size)])
    return wire


@cache
def _certificate() -> tuple[trustme.CA, trustme.LeafCert]:
    ca = trustme.CA()
    return ca, ca.issue_cert(HOST)


def _openssl(holder: ssl.SSLContext | ssl.SSLObject, function: str, argument: bytes | int) -> None:
    """Calls what Python's ssl leaves out (SSL_CTX_set_ciphersuites: TLS 1.3's suites; SSL_CTX_set_block_padding;
    SSL_key_update) on the SSL_CTX a context holds just after its object header, or the SSL an SSLObject's
    connection holds after its header and one pointer."""
    library = ctypes.CDLL(ssl._ssl.__file__)  # its libssl's symbols, as the ssl module uses them
    call = getattr(library, function)
    call.argtypes = [ctypes.c_void_p, ctypes.c_char_p if isinstance(argument, bytes) else ctypes.c_size_t]
    if isinstance(holder, ssl.SSLContext):
        address = id(holder) + object.__basicsize__
    else:
        address = id(holder._sslobj) + object.__basicsize__ + ctypes.sizeof(ctypes.c_void_p)
    assert call(ctypes.c_void_p.from_address(address).value, argument) == 1


@cache
def session(version: str = "1.3", cipher: str | None = None, *, trusted: bool = True, close: bool = True,
            server_group: str | None = None, padding: int = 0, key_update: bool = False,
            request: bytes = REQUEST) -> Session:
    """A client sends `request` (GET REQUEST), the server answers RESPONSE and both close with close_notify; TLS
    `version` ("1.2" or "1.3"), with `cipher` (OpenSSL's name) forced if given. Untrusted, the client rejects the
    certificate. A server that takes only `server_group` asks the client, which offered a key share of another, for a
    HelloRetryRequest. `padding`: the server pads each TLS 1.3 record to a multiple of it. `key_update`: the server
    updates its keys before its response."""
    ca, leaf = _certificate()
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    leaf.configure_cert(server_context)
    server_context.set_alpn_protocols(["http/1.1"])
    if server_group:
        server_context.set_ecdh_curve(server_group)
    if padding:
        _openssl(server_context, "SSL_CTX_set_block_padding", padding)
    client_context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if trusted:
        ca.configure_trust(client_context)
    client_context.set_alpn_protocols(["h2", "http/1.1"])
    client_context.maximum_version = ssl.TLSVersion.TLSv1_3 if version == "1.3" else ssl.TLSVersion.TLSv1_2
    if cipher and version == "1.3":
        _openssl(server_context, "SSL_CTX_set_ciphersuites", cipher.encode())
    elif cipher:  # the client offers it too: Python's own default list (3.13's) leaves out the SHA-1 suites
        server_context.set_ciphers(cipher)
        client_context.set_ciphers(cipher)
    with tempfile.TemporaryDirectory() as directory:
        client_context.keylog_filename = str(Path(directory) / "keylog")
        ends = _Ends(client_context, server_context)
        error = ends.talk(request, close, key_update)
        keylog = (Path(directory) / "keylog").read_text()
    return Session(tuple(ends.flights), keylog, "" if error else ends.client.cipher()[0],
                   ends.client.selected_alpn_protocol(), error)


class _Ends:
    """The two ends of a session, their bytes moved by hand and recorded as flights."""

    def __init__(self, client_context: ssl.SSLContext, server_context: ssl.SSLContext) -> None:
        self.incoming = {True: ssl.MemoryBIO(), False: ssl.MemoryBIO()}  # what each end (by is_client) reads
        self.outgoing = {True: ssl.MemoryBIO(), False: ssl.MemoryBIO()}
        self.client = client_context.wrap_bio(self.incoming[True], self.outgoing[True], server_hostname=HOST)
        self.server = server_context.wrap_bio(self.incoming[False], self.outgoing[False], server_side=True)
        self.flights: list[tuple[bool, bytes]] = []

    def move(self, from_client: bool) -> None:
        data = self.outgoing[from_client].read()
        if data:
            self.flights.append((from_client, data))
            self.incoming[not from_client].write(data)

    def talk(self, request: bytes, close: bool, key_update: bool) -> str | None:
        try:
            for _ in range(4):  # hellos (again after a HelloRetryRequest), the client's Finished, the server's last
                for end, from_client in ((self.client, True), (self.server, False)):
                    _step(end.do_handshake)
                    self.move(from_client)
        except ssl.SSLError as error:
            self.move(True)
            return str(error)
        self.client.write(request)
        self.move(True)
        _step(lambda: self.server.read(65536))
        if key_update:
            _openssl(self.server, "SSL_key_update", 0)  # SSL_KEY_UPDATE_NOT_REQUESTED: sent with the next write
        self.server.write(RESPONSE)
        self.move(False)
        _step(lambda: self.client.read(65536))
        if close:
            _step(self.server.unwrap)
            self.move(False)
            _step(self.client.unwrap)
            self.move(True)
        return None


def _step(action) -> None:
    """Runs one end's action as far as the bytes it has let it go."""
    try:
        action()
    except ssl.SSLWantReadError:
        pass
