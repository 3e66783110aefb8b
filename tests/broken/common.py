"""What the broken servers share: the article servers' command line, listening socket and request handling.

Each broken server holds only its accept loop, so that it reads as the one way it misbehaves. (The
article's own servers in server/ stand alone, each a complete file, so that they can be diffed.)
"""

import argparse
import os
import socket
import threading
import time
import traceback
from collections.abc import Callable

# The article's response: no Content-Length, so a client reads the body until the
# server's FIN arrives. That makes "when does the server close?" visible in every client.
RESPONSE = b"HTTP/1.1 200 OK\r\n\r\nHello, World!\n"
REQUEST_BUFFER = 1024  # the article's single recv(1024)
# The response of the servers that keep connections alive: framed by Content-Length, not by the close.
KEEP_ALIVE_RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Length: 14\r\n\r\nHello, World!\n"
END_OF_HEAD = b"\r\n\r\n"


def parse_args(doc: str | None, default_delay: float = 0.0, default_backlog: int = 5) -> argparse.Namespace:
    """The command line every variant accepts; the defaults are the article's."""
    parser = argparse.ArgumentParser(description=(doc or "").strip().splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: %(default)s)")
    parser.add_argument("--port", type=_port, default=8888,
                        help="port to bind, 0 picks a free one (default: %(default)s)")
    parser.add_argument("--delay", type=_seconds, default=default_delay,
                        help="seconds to wait after sending the response, before closing (default: %(default)s)")
    parser.add_argument("--backlog", type=int, default=default_backlog,
                        help="listen backlog (default: %(default)s)")
    return parser.parse_args()


def _port(text: str) -> int:
    port = int(text)
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port must be 0-65535, not {port}")
    return port


def _seconds(text: str) -> float:
    seconds = float(text)
    if seconds < 0:
        raise argparse.ArgumentTypeError(f"delay must be 0 or more seconds, not {seconds}")
    return seconds


def listen(args: argparse.Namespace) -> socket.socket:
    """Bind, listen and announce the port (flushed: a pipe would otherwise hold the line)."""
    listen_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listen_socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listen_socket.bind((args.host, args.port))
    listen_socket.listen(args.backlog)
    port = listen_socket.getsockname()[1]
    print(f"Serving HTTP on port {port} ...", flush=True)
    return listen_socket


def handle_request(client_connection: socket.socket, delay: float) -> None:
    """Read the request (one recv, like the article), answer, then wait `delay` seconds.

    A client that resets or leaves before the answer is reported, not fatal: otherwise
    one rude client would end the iterative server for everybody.
    """
    try:
        request = client_connection.recv(REQUEST_BUFFER)
        print(request.split(b"\r\n", 1)[0].decode("latin-1"), flush=True)
        client_connection.sendall(RESPONSE)
    except ConnectionError as error:
        print(f"client went away: {error}", flush=True)
        return
    time.sleep(delay)


def take_request(buffer: bytes) -> tuple[bytes, bytes] | None:
    """The first whole request in `buffer` (its head, and its body by Content-Length), and what follows it;
    None until it is all there."""
    head, found, rest = buffer.partition(END_OF_HEAD)
    if not found:
        return None
    length = content_length(head)
    return (head, rest[length:]) if len(rest) >= length else None


def content_length(head: bytes) -> int:
    """The body length a request head announces (0 without Content-Length)."""
    return next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")[1:]
                 if line.lower().startswith(b"content-length:")), 0)


def _asks_to_close(head: bytes) -> bool:
    return b"\r\nconnection: close" in head.lower()


def serve_keep_alive(connection: socket.socket) -> bool:
    """Answer each request on `connection` until the client asks to close (True) or closes first (False); the
    caller closes it (or not)."""
    buffer = b""
    try:
        while chunk := connection.recv(65536):
            buffer += chunk
            while (request := take_request(buffer)) is not None:
                head, buffer = request
                connection.sendall(KEEP_ALIVE_RESPONSE)
                if _asks_to_close(head):
                    return True
    except ConnectionError:
        pass
    return False


def fork_child(listen_socket: socket.socket, client_connection: socket.socket, delay: float) -> int:
    """Fork a child that serves `client_connection` and exits; return its pid in the parent.

    The child closes its copy of the listening socket and of the client socket; every
    path out of the child ends in os._exit(), so it never returns into the caller's loop.
    """
    pid = os.fork()
    if pid:
        return pid
    status = 1
    try:
        listen_socket.close()
        handle_request(client_connection, delay)
        client_connection.close()
        status = 0
    except Exception:
        traceback.print_exc()
    finally:
        os._exit(status)


def serve(loop: Callable[[argparse.Namespace], None], args: argparse.Namespace) -> None:
    """Run a variant's loop until Ctrl-C, without a traceback for the interrupt."""
    try:
        loop(args)
    except KeyboardInterrupt:
        pass


def read_head(client_connection: socket.socket) -> bytes | None:
    """The bytes read until the next request head ended (the last read may bring bytes past it); None if the
    client closed before it ended."""
    data = b""
    while END_OF_HEAD not in data:
        chunk = client_connection.recv(REQUEST_BUFFER)
        if not chunk:
            return None
        data += chunk
    return data


def serve_each_in_a_thread(args: argparse.Namespace, handle: Callable[[socket.socket], None]) -> None:
    """Accept forever; `handle` each connection in a thread of its own (keep-alive connections overlap)."""
    listen_socket = listen(args)
    while True:
        client_connection, _ = listen_socket.accept()
        threading.Thread(target=handle, args=(client_connection,), daemon=True).start()
