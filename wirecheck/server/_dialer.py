"""How a client reaches the server of a session: a TCP connection to its port, wrapped in TLS when it speaks HTTPS.

The clients of the basic exchanges open every connection through a Dialer (the session carries one), so that the
same client speaks plain HTTP or HTTPS. Over TLS the client is strict: it checks the certificate and the name
127.0.0.1, and it tells an orderly end (close_notify) from a bare FIN, which raises ssl.SSLError instead of
reading as b"" (OP_IGNORE_UNEXPECTED_EOF cleared, no ragged EOFs suppressed; OpenSSL 3 reports it as
UNEXPECTED_EOF_WHILE_READING, an SSLError, not an SSLEOFError). It closes with close_notify, then FIN (close), or
shuts its sending side alone the same way and reads on (shut_write: a half-close). Its secrets go to the session's
key log, for the capture's decryption.
"""

import contextlib
import select
import socket
import ssl
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from wirecheck.server._tls import TlsFiles

HOST = "127.0.0.1"
# What a read raises when the server has ended the connection without an orderly close: a reset, or over TLS a FIN
# without close_notify (a truncation attack, to TLS) or any other end of the session (a fatal alert); and over TLS
# the orderly one too once the client sent its own close_notify (SSLZeroReturnError: only a client that has not
# closed reads the server's close_notify as b""). The clients stop reading then; the wire shows which it was.
ENDED_BY_SERVER = (ConnectionError, ssl.SSLError)
# What a socket that does not block says when it cannot go on yet; over TLS, a record that carries no data (a
# session ticket) read, or a record half written.
NOT_YET = (BlockingIOError, ssl.SSLWantReadError, ssl.SSLWantWriteError)


def client_context(ca: Path, keylog: Path) -> ssl.SSLContext:
    """A TLS client context that trusts `ca` only and writes its secrets to `keylog` (NSS key log format)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies the certificate and the host name
    context.load_verify_locations(cafile=ca)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.options &= ~ssl.OP_IGNORE_UNEXPECTED_EOF
    context.keylog_filename = str(keylog)
    # HTTP/1.1 is all the clients speak; offered by name, a server that does ALPN says so (the tls_alpn figure).
    context.set_alpn_protocols(["http/1.1"])
    return context


def dialer_for(port: int, tls: TlsFiles | None) -> "Dialer":
    """The dialer of a server on `port`: plain, or over TLS trusting the CA of `tls`, with a key log of its own."""
    if tls is None:
        return Dialer(port)
    keylog = tls.new_keylog()
    return Dialer(port, client_context(tls.ca, keylog), keylog)


@dataclass(frozen=True)
class Dialer:
    """Connections to `port` on 127.0.0.1; TLS ones when `context` is given, their secrets written to `keylog`."""

    port: int
    context: ssl.SSLContext | None = None
    keylog: Path | None = None

    @property
    def tls(self) -> bool:
        return self.context is not None

    def connect(self, timeout: float) -> socket.socket:
        """A connected socket, the TLS handshake done (within `timeout`) when the server speaks TLS."""
        return self.wrap(socket.create_connection((HOST, self.port), timeout=timeout))

    def wrap(self, connection: socket.socket) -> socket.socket:
        """`connection`, connected, as a TLS socket once the handshake is done (within its timeout); as it is
        without TLS. The TLS socket takes the descriptor over: use it in the place of `connection`."""
        if self.context is None:
            return connection
        return self.context.wrap_socket(connection, server_hostname=HOST, suppress_ragged_eofs=False)

    def connect_each(self, count: int, timeout: float) -> Iterator[socket.socket]:
        """`count` connections (see connect), each given as soon as it is ready, for its client to speak on before the
        next is asked for. Over TLS all connect at once and make their handshakes side by side within one `timeout`: a
        server that makes its handshakes one at a time holds the later ones up once, not once each. One whose
        handshake the server did not make in time is closed and left out: the capture shows what came of it."""
        if self.context is None:
            for _ in range(count):
                yield self.connect(timeout)
            return
        deadline = time.monotonic() + timeout
        waiting = [self.context.wrap_socket(socket.create_connection((HOST, self.port), timeout=timeout),
                                            server_hostname=HOST, suppress_ragged_eofs=False,
                                            do_handshake_on_connect=False) for _ in range(count)]
        for connection in waiting:
            connection.setblocking(False)
        while waiting and deadline > time.monotonic():
            writing = []
            for connection in list(waiting):
                try:
                    connection.do_handshake()
                except ssl.SSLWantReadError:
                    continue
                except ssl.SSLWantWriteError:
                    writing.append(connection)
                    continue
                except (ssl.SSLError, OSError):  # the server refused the handshake or ended the connection
                    waiting.remove(connection)
                    connection.close()
                    continue
                waiting.remove(connection)
                connection.settimeout(timeout)
                yield connection
            if waiting:
                select.select(waiting, writing, [], max(0.0, deadline - time.monotonic()))
        for connection in waiting:
            connection.close()

    @contextlib.contextmanager
    def open(self, timeout: float) -> Iterator[socket.socket]:
        """A connection (see connect) closed as a client closes it (see close) when the block ends."""
        connection = self.connect(timeout)
        try:
            yield connection
        finally:
            close(connection)


def close(connection: socket.socket) -> None:
    """Close as a careful client does: over TLS, its sending side shut first (shut_write: close_notify, then FIN, in
    one segment), then the socket. Corked, a server that answers close_notify with its FIN at once cannot get its FIN
    out first, and the client's leaving never reads on the wire as the server's close. The FIN is sent by shutdown(),
    not close(): a close() with bytes unread (a session ticket that came after the last read) sends RST and drops
    what was corked."""
    if isinstance(connection, ssl.SSLSocket):
        shut_write(connection)
    connection.close()


def shut_write(connection: socket.socket) -> None:
    """Shut the sending side only (a half-close): over TLS close_notify first, then FIN, corked in one segment; the
    socket left open for what the server still sends (over TLS, no longer blocking). The client may go on reading:
    TLS 1.3's close_notify, as TCP's FIN, closes only its sender's write side (RFC 8446 §6.1). It does not wait for
    the server's close_notify: a blocking unwrap() would, for as long as the socket's timeout. The FIN goes through
    the plain socket's shutdown(): SSLSocket.shutdown() also drops the TLS session, and what the server answers
    would then read as raw records."""
    if isinstance(connection, ssl.SSLSocket):
        with contextlib.suppress(OSError):  # SSLWantReadError: ours went, the server's is not there yet; or gone
            connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1)
            connection.setblocking(False)
            connection.unwrap()
    with contextlib.suppress(OSError):  # the server reset it already
        socket.socket.shutdown(connection, socket.SHUT_WR)


def receive(connection: socket.socket, size: int) -> bytes:
    """One recv(), plus what TLS has already decrypted behind it: a select() loop would not see those bytes (they
    are no longer in the kernel) and would wait for more."""
    data = connection.recv(size)
    while data and isinstance(connection, ssl.SSLSocket) and connection.pending():
        data += connection.recv(connection.pending())
    return data
