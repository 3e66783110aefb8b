"""What the HTTPS servers share: --cert and --key, a TLS context as strict as the gate's clients, a thread and a
handshake per connection, the requests answered, and the orderly close (close_notify, then FIN).

The well-behaved one is good_https.py; each broken TLS server changes one step of it, so that it reads as the one
way it misbehaves. Python's ssl sends no close_notify on close(): unwrap() does, then waits for the client's (the
socket's timeout bounds that wait).
"""

import argparse
import socket
import ssl
import struct
import threading
from collections.abc import Callable

from tests.broken.common import KEEP_ALIVE_RESPONSE, listen, take_request

# How long a connection may take for its handshake, for its client's next bytes, or for its client's close_notify.
CONNECTION_TIMEOUT_SECONDS = 5.0
CLOSING_RESPONSE = KEEP_ALIVE_RESPONSE.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n", 1)
# HTTP/1.0 is answered as the article's servers answer: no length, the body ends where the connection does.
CLOSE_DELIMITED_RESPONSE = b"HTTP/1.0 200 OK\r\n\r\nHello, World!\n"


def parse_args(doc: str | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(doc or "").strip().splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: %(default)s)")
    parser.add_argument("--port", type=int, required=True, help="port to bind")
    parser.add_argument("--backlog", type=int, default=64, help="listen backlog (default: %(default)s)")
    parser.add_argument("--cert", required=True, help="the certificate (PEM, its chain)")
    parser.add_argument("--key", required=True, help="the certificate's private key (PEM)")
    return parser.parse_args()


def serve_tls(args: argparse.Namespace, converse: Callable[[ssl.SSLSocket], None]) -> None:
    """Accept for ever; each connection's handshake and `converse` run in a thread of its own."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.cert, args.key)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.options &= ~ssl.OP_IGNORE_UNEXPECTED_EOF  # a client's bare FIN is an error, not an end
    listen_socket = listen(args)
    while True:
        connection, _ = listen_socket.accept()
        threading.Thread(target=_converse, args=(context, connection, converse), daemon=True).start()


def _converse(context: ssl.SSLContext, connection: socket.socket, converse: Callable[[ssl.SSLSocket], None]) -> None:
    client = handshake(context, connection)
    if client is None:
        return
    try:
        converse(client)
    except (ssl.SSLError, OSError) as error:  # a bare FIN (SSLEOFError), a reset: no orderly close to make
        print(f"client went away: {error}", flush=True)
        client.close()


def handshake(context: ssl.SSLContext, connection: socket.socket) -> ssl.SSLSocket | None:
    """`connection` over TLS once its handshake is done; None (the connection closed) if the client failed it."""
    connection.settimeout(CONNECTION_TIMEOUT_SECONDS)
    try:
        return context.wrap_socket(connection, server_side=True, suppress_ragged_eofs=False)
    except (ssl.SSLError, OSError) as error:
        print(f"handshake failed: {error}", flush=True)
        connection.close()
        return None


def answer(client: ssl.SSLSocket) -> bytes | None:
    """Answer requests until one asks to close (its answer sent: the response returned) or the client's
    close_notify arrives (None): HTTP/1.0 without a length, HTTP/1.1 framed by Content-Length."""
    buffer = b""
    while True:
        request = take_request(buffer)
        if request is None:
            chunk = client.recv(65536)
            if not chunk:
                return None
            buffer += chunk
            continue
        head, buffer = request
        response = _response(head)
        client.sendall(response)
        if response is not KEEP_ALIVE_RESPONSE:
            return response


def _response(head: bytes) -> bytes:
    if head.split(b"\r\n", 1)[0].endswith(b"HTTP/1.0"):
        return CLOSE_DELIMITED_RESPONSE
    return CLOSING_RESPONSE if b"\r\nconnection: close" in head.lower() else KEEP_ALIVE_RESPONSE


def close_orderly(client: ssl.SSLSocket) -> None:
    """close_notify, the client's close_notify awaited (or already there), then FIN."""
    try:
        client.unwrap()
    except (ssl.SSLError, OSError) as error:  # the client left without close_notify, or never sent it in time
        print(f"no close_notify from the client: {error}", flush=True)
    client.close()


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
    client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    client.close()
