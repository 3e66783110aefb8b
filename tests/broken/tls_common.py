"""What the HTTPS servers share: --cert and --key, a TLS context as strict as the gate's clients, a thread and a
handshake per connection, the requests answered (100 Continue to an Expect, an upload past a limit refused before its
body, an idle and a header timeout), the orderly close (close_notify, then FIN, then what the client still sends
read), and a graceful stop on SIGTERM (tls_stop.py).

The well-behaved one is good_https.py; each broken TLS server changes one step of it, so that it reads as the one
way it misbehaves. Python's ssl sends no close_notify on close(): unwrap() does, and a blocking one waits for the
client's before the FIN; a client closes on the server's close_notify, so its FIN would come first.
"""

import argparse
import contextlib
import socket
import ssl
import threading
import time
from collections.abc import Callable

from tests.broken.common import END_OF_HEAD, KEEP_ALIVE_RESPONSE, content_length, listen, take_request
from tests.broken.tls_stop import STOP, Abandoned, Stopping, reset

# How long a connection may take for its handshake, for a request's body, or for its client's close after the
# server's FIN.
CONNECTION_TIMEOUT_SECONDS = 5.0
# How long a kept-alive connection may wait for its next request: short, so that the contract measures it.
IDLE_TIMEOUT_SECONDS = 1.0
# How long a request head may take from its first byte: a head trickled a byte at a time is cut off. Between two
# of its bytes (every 0.5 s): a close that meets a byte on its way races it (unwrap() fails on the record).
HEADER_TIMEOUT_SECONDS = 0.75
# What answer() returns for a connection closed by the idle or the header timeout: no response ended it.
IDLE = b""
CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
CLOSING_RESPONSE = KEEP_ALIVE_RESPONSE.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n", 1)
# HTTP/1.0 is answered as the article's servers answer: no length, the body ends where the connection does.
CLOSE_DELIMITED_RESPONSE = b"HTTP/1.0 200 OK\r\n\r\nHello, World!\n"
# A body larger than this is not wanted: refused as soon as its head has come, as a server with a size limit does.
UPLOAD_LIMIT_BYTES = 64 * 1024
# Its refusal ends at the close, as the article's answer does: a close that resets the connection leaves it unended.
REFUSED_UPLOAD = b"HTTP/1.1 413 Content Too Large\r\nConnection: close\r\n\r\nToo large.\n"


def parse_args(doc: str | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(doc or "").strip().splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: %(default)s)")
    parser.add_argument("--port", type=int, required=True, help="port to bind")
    # As large as real servers' (nginx 511, gunicorn 2048): a burst of 128 handshakes fits the accept queue.
    parser.add_argument("--backlog", type=int, default=1024, help="listen backlog (default: %(default)s)")
    parser.add_argument("--cert", required=True, help="the certificate (PEM, its chain)")
    parser.add_argument("--key", required=True, help="the certificate's private key (PEM)")
    parser.add_argument("--tls12", action="store_true", help="speak TLS 1.2 at most (its close_notify closes both "
                                                             "ways, RFC 5246 §7.2.1)")
    return parser.parse_args()


def serve_tls(args: argparse.Namespace, converse: Callable[[ssl.SSLSocket], None], in_threads: bool = True,
              hard_stop: bool = False) -> None:
    """Accept until SIGTERM, then stop gracefully (tls_stop.py); each connection's handshake and `converse` run in a
    thread of its own. `in_threads` breaks it (one connection at a time, in the accept loop), and `hard_stop`
    (every connection reset at the signal)."""
    context = server_context(args)
    listen_socket = listen(args)
    STOP.install(hard_stop)
    try:
        while True:
            connection, _ = listen_socket.accept()
            if in_threads:
                threading.Thread(target=_converse, args=(context, connection, converse), daemon=True).start()
            else:
                _converse(context, connection, converse)
    except Stopping:
        STOP.finish(listen_socket)


def server_context(args: argparse.Namespace) -> ssl.SSLContext:
    """The servers' TLS context: TLS 1.2 or 1.3 (1.2 alone with --tls12), the certificate of --cert and --key."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.cert, args.key)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if args.tls12:
        context.maximum_version = ssl.TLSVersion.TLSv1_2
    context.options &= ~ssl.OP_IGNORE_UNEXPECTED_EOF  # a client's bare FIN is an error, not an end
    context.set_alpn_protocols(["http/1.1"])
    return context


def _converse(context: ssl.SSLContext, connection: socket.socket, converse: Callable[[ssl.SSLSocket], None]) -> None:
    try:
        client = handshake(context, connection)
        if client is None:
            return
        try:
            converse(client)
        except (ssl.SSLError, OSError) as error:  # a bare FIN (SSLEOFError), a reset: no orderly close to make
            print(f"client went away: {error}", flush=True)
            client.close()
    except Abandoned:
        pass


def handshake(context: ssl.SSLContext, connection: socket.socket) -> ssl.SSLSocket | None:
    """`connection` over TLS once its handshake is done; None (the connection closed, lingering) if the client failed
    it: bytes that are no TLS at all, a client that left; or if it sent no ClientHello before the stop (closed with
    FIN: there is no session to send close_notify in)."""
    connection.settimeout(CONNECTION_TIMEOUT_SECONDS)
    if not STOP.readable(connection, CONNECTION_TIMEOUT_SECONDS, busy=False):
        print("no ClientHello", flush=True)
        connection.close()
        return None
    # The handshake apart from the wrapping: a wrap_socket() that fails closes the socket at once, over what the
    # client sent (a RST).
    client = context.wrap_socket(connection, server_side=True, suppress_ragged_eofs=False,
                                 do_handshake_on_connect=False)
    try:
        client.do_handshake()
    except (ssl.SSLError, OSError) as error:
        print(f"handshake failed: {error}", flush=True)
        close_lingering(client)
        return None
    return client


def answer(client: ssl.SSLSocket, respond: Callable[[bytes], bytes] | None = None, continues: bool = True,
           header_timeout: float | None = HEADER_TIMEOUT_SECONDS) -> bytes | None:
    """Answer requests until one asks to close (its answer sent: the response returned), the client idles past
    IDLE_TIMEOUT_SECONDS, its head is not whole `header_timeout` after its first byte or the stop comes between two
    requests (IDLE), or its close_notify arrives (None): HTTP/1.0 without a length, HTTP/1.1 framed by
    Content-Length, a head that expects 100-continue told to go on, one whose body is past UPLOAD_LIMIT_BYTES refused
    before its body (REFUSED_UPLOAD, returned: the rest of the body is the close's to read). `respond` (a head ->
    what is sent), `continues` and `header_timeout` (None: only each read's idle timeout, which every trickled byte
    renews) break it."""
    buffer, continued, head_began = b"", False, 0.0
    while True:
        request = take_request(buffer)
        if request is None:
            head, ended, _ = buffer.partition(END_OF_HEAD)
            if ended and content_length(head) > UPLOAD_LIMIT_BYTES:
                return _refuse_upload(client)
            if continues and not continued and b"\r\nexpect: 100-continue" in head.lower():
                client.sendall(CONTINUE)
                continued = True
            patience = _patience(buffer, head_began, header_timeout)
            if not STOP.readable(client, patience, busy=bool(buffer)):
                return IDLE
            client.settimeout(patience)  # the rest of a record that has begun
            try:
                chunk = client.recv(65536)
            except TimeoutError:
                return IDLE
            if not chunk:
                return None
            if not buffer:
                head_began = time.monotonic()
            buffer += chunk
            continue
        head, buffer = request
        head_began = time.monotonic()  # of what was pipelined behind it, if anything
        continued = False
        response = (respond or response_to)(head)
        client.sendall(response)
        if response_to(head) is not KEEP_ALIVE_RESPONSE:  # the request asks to close
            return response


def _patience(buffer: bytes, head_began: float, header_timeout: float | None) -> float:
    """How long the next read may wait: IDLE_TIMEOUT_SECONDS, but for a head begun in `buffer` no longer than what
    is left of `header_timeout` (a timeout of 0 would make the socket non-blocking), and for a body
    CONNECTION_TIMEOUT_SECONDS (an upload that pauses, as the graceful stop's does, is not idle)."""
    if END_OF_HEAD in buffer:
        return CONNECTION_TIMEOUT_SECONDS
    if header_timeout is None or not buffer:
        return IDLE_TIMEOUT_SECONDS
    return min(IDLE_TIMEOUT_SECONDS, max(head_began + header_timeout - time.monotonic(), 0.001))


def _refuse_upload(client: ssl.SSLSocket) -> bytes:
    """Send REFUSED_UPLOAD at once (no Nagle: held behind session tickets not yet acknowledged, a close that resets
    the connection would discard it unsent); returns it."""
    client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    client.sendall(REFUSED_UPLOAD)
    return REFUSED_UPLOAD


def response_to(head: bytes) -> bytes:
    """The good server's response to the request of `head`."""
    if head.split(b"\r\n", 1)[0].endswith(b"HTTP/1.0"):
        return CLOSE_DELIMITED_RESPONSE
    return CLOSING_RESPONSE if b"\r\nconnection: close" in head.lower() else KEEP_ALIVE_RESPONSE


def close_orderly(client: ssl.SSLSocket) -> None:
    """close_notify, then FIN at once (RFC 8446 §6.1: the client's close_notify need not be awaited), then what the
    client still sends (the rest of an upload refused, its close_notify, its FIN) read until its FIN, within
    CONNECTION_TIMEOUT_SECONDS: bytes that reached a closed socket would draw a RST (a lingering close)."""
    _cork(client)
    client.setblocking(False)
    try:
        client.unwrap()  # returns when the client's close_notify had come first
    except ssl.SSLWantReadError:
        pass  # ours is sent; the client's follows
    except (ssl.SSLError, OSError) as error:
        print(f"no orderly close: {error}", flush=True)
    close_lingering(client)  # over the bare socket from here on: SSLSocket.shutdown() drops the session


def close_lingering(connection: socket.socket) -> None:
    """FIN, then what the client still sends read until its FIN, within CONNECTION_TIMEOUT_SECONDS: bytes that reach
    a closed socket draw a RST (bytes that were no TLS handshake, the rest of an upload refused)."""
    connection.settimeout(CONNECTION_TIMEOUT_SECONDS)
    with contextlib.suppress(OSError):  # a reset, or the client never closed
        connection.shutdown(socket.SHUT_WR)
        while connection.recv(65536):
            pass
    connection.close()


def close_at_once(client: ssl.SSLSocket) -> None:
    """close_notify, then FIN, the socket closed at once (as nginx does): the client's close_notify, which follows,
    reaches a closed socket and draws the kernel's RST. RFC 8446 §6.1 allows it: the peer's need not be awaited."""
    _cork(client)
    client.setblocking(False)
    with contextlib.suppress(ssl.SSLWantReadError):  # ours is sent; the client's is not there yet
        client.unwrap()
    client.close()


def close_after_theirs(client: ssl.SSLSocket) -> None:
    """close_notify, then the client's awaited (a blocking unwrap), then FIN: the client's FIN, sent with its
    close_notify, comes before the server's."""
    client.settimeout(CONNECTION_TIMEOUT_SECONDS)
    try:
        client.unwrap()
    except (ssl.SSLError, OSError) as error:
        print(f"no orderly close: {error}", flush=True)
    client.close()


def _cork(client: ssl.SSLSocket) -> None:
    """Hold back what is sent next until the FIN: close_notify and FIN leave in one segment, so that a client that
    closes on close_notify never gets its FIN out before the server's."""
    client.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1)


def close_bare(client: ssl.SSLSocket) -> None:
    """FIN without close_notify: to the client, the connection may as well have been cut."""
    client.close()


def close_with_reset(client: ssl.SSLSocket) -> None:
    """close_notify, then RST instead of FIN (SO_LINGER 0): the client's close_notify is not waited for. Nagle is
    turned off first, which pushes out what it holds back (the response, behind the unacknowledged session
    tickets): a reset discards what is still unsent."""
    client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    client.setblocking(False)
    try:
        client.unwrap()
    except ssl.SSLWantReadError:
        pass  # ours is sent; the client's is not there yet
    reset(client)
