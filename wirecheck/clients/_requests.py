"""The clients the checks drive: curl, as users run it, and socket clients, plain or TLS (their Dialer's)."""

import contextlib
import os
import selectors
import socket
import ssl
import subprocess
import time
from dataclasses import dataclass

from wirecheck.model._http import HttpHeadCutShort, HttpParseError, parse_response
from wirecheck.server._dialer import HOST, Dialer, close, receive

CURL_TIMED_OUT = 28  # curl's exit status when --max-time runs out


@dataclass(frozen=True)
class CurlResult:
    returncode: int
    output: bytes  # what curl printed: status line, headers and body (-i)
    stderr: str


def curl(url: str, max_time: float) -> CurlResult:
    """Fetch `url` with curl, printing the whole response as received; give up after `max_time`."""
    done = subprocess.run(["curl", "--silent", "--show-error", "--include", "--max-time", f"{max_time:g}", url],
                          capture_output=True, timeout=max_time + 5)
    return CurlResult(done.returncode, done.stdout, done.stderr.decode(errors="replace"))


def request_bytes(path: str, host: str, port: int, close: bool = False, version: str = "1.1") -> bytes:
    """A minimal GET; with `close`, it asks an HTTP/1.1 server to close after answering."""
    connection = "Connection: close\r\n" if close else ""
    return f"GET {path} HTTP/{version}\r\nHost: {host}:{port}\r\n{connection}\r\n".encode()


def http_get(dialer: Dialer, path: str = "/hello", timeout: float = 5.0) -> bytes:
    """Send one GET and read until the server closes; return everything received."""
    with dialer.open(timeout) as connection:
        connection.sendall(request_bytes(path, HOST, dialer.port))
        return read_until_closed(connection)


def trial_get(dialer: Dialer, path: str, timeout: float) -> tuple[int | None, str]:
    """One GET `path` with `Connection: close`, read until its response's head has come, and the body when its
    head frames one: the status and start line, or None and what went wrong (no answer within `timeout`, a reset,
    bytes that are not HTTP). It never waits for the server's close: whether and when that comes is the contract's
    to judge, not a reason to refuse the server."""
    deadline = time.monotonic() + timeout
    received = b""
    try:
        with dialer.open(timeout) as connection:
            connection.sendall(request_bytes(path, HOST, dialer.port, close=True))
            while True:
                connection.settimeout(max(deadline - time.monotonic(), 0.001))
                chunk = connection.recv(65536)
                received += chunk
                answer = _trial_answer(received, closed=not chunk)
                if answer is not None:
                    return answer
    except TimeoutError:
        return None, f"no response within {timeout:g} s ({len(received)} bytes)"
    except OSError as error:
        return None, f"no response ({error}; {len(received)} bytes before it)"


def _trial_answer(data: bytes, closed: bool) -> tuple[int | None, str] | None:
    """The trial's answer in `data`, or None while more may come: a head is enough for a body that ends at the
    close; a body framed by its length or chunks must be whole."""
    try:
        response = parse_response(data, closed=closed)
    except HttpHeadCutShort:
        return (None, f"no response (the server closed after {len(data)} bytes)") if closed else None
    except HttpParseError as error:
        return None, f"no HTTP response ({error})"
    if response.complete or response.framing == "close":
        return response.status, response.start_line
    return (None, f"an incomplete response ({response.start_line}; the server closed)") if closed else None


def read_until_closed(connection: socket.socket) -> bytes:
    received = bytearray()
    while chunk := connection.recv(65536):
        received += chunk
    return bytes(received)


@dataclass(frozen=True)
class Reply:
    """What one connection of a burst received, or the error that ended it."""

    data: bytes
    error: str | None


def burst(dialer: Dialer, requests: list[bytes], timeout: float) -> list[Reply]:
    """Open one connection per request, all at once; send each request, read each until the server closes.

    Every socket is connected before any request is sent, so that all of them are open at
    the same time, as a burst of independent clients would be; `timeout` bounds the whole.
    """
    connections = []
    for _ in requests:
        connection = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        connection.setblocking(False)
        connection.connect_ex((HOST, dialer.port))
        connections.append(connection)
    return exchanges(dialer, connections, requests, timeout)


def exchanges(dialer: Dialer, connections: list[socket.socket], requests: list[bytes], timeout: float) -> list[Reply]:
    """On each connection (connecting or connected), send its request once it is connected (over TLS, once the
    handshake is done) and read until the server closes, all at once; `timeout` bounds the whole. Every connection
    is closed on return, as a client closes it (over TLS, close_notify first)."""
    selector = selectors.DefaultSelector()
    replies: list[Reply | None] = [None] * len(requests)
    received = [bytearray() for _ in requests]
    for number, connection in enumerate(connections):
        connection.setblocking(False)
        selector.register(connection, selectors.EVENT_WRITE, number)
    deadline = time.monotonic() + timeout
    while selector.get_map() and time.monotonic() < deadline:
        for key, events in selector.select(timeout=max(0.0, deadline - time.monotonic())):
            connection, number = key.fileobj, key.data
            try:
                if events & selectors.EVENT_WRITE:
                    selector.unregister(connection)  # registered again below as the socket that speaks (TLS's)
                    connection = _sent(dialer, connection, requests[number], max(deadline - time.monotonic(), 0.001))
                    selector.register(connection, selectors.EVENT_READ, number)
                    continue
                chunk = receive(connection, 65536)
                if chunk:
                    received[number] += chunk
                    continue
                replies[number] = Reply(bytes(received[number]), None)
            except ssl.SSLWantReadError:
                continue  # a TLS record not whole yet
            except OSError as error:
                replies[number] = Reply(bytes(received[number]), f"{type(error).__name__}: {error}")
            with contextlib.suppress(KeyError, ValueError):  # unregistered when sending failed (over TLS, detached)
                selector.unregister(connection)
            close(connection)
    for key in list(selector.get_map().values()):
        replies[key.data] = Reply(bytes(received[key.data]), f"no end of response within {timeout:g} s")
        close(key.fileobj)
    selector.close()
    return replies


def _sent(dialer: Dialer, connection: socket.socket, request: bytes, timeout: float) -> socket.socket:
    """`connection`, now connected, with `request` sent within `timeout`, back in non-blocking mode; over TLS the
    TLS socket that takes its place, the handshake done first."""
    error = connection.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
    if error:
        raise OSError(error, os.strerror(error))
    connection.settimeout(timeout)
    speaking = dialer.wrap(connection)
    try:
        speaking.sendall(request)
    except OSError:
        speaking.close()
        raise
    speaking.setblocking(False)
    return speaking
