"""Rude clients: the bad input a server must survive. Each takes the session's Dialer and the path to ask for.

Each one behaves the same on every run (the random bytes come from a fixed seed), and
none waits longer than `timeout` for the server: a server that never closes is left, and
the client says so (it returns True when it gave up waiting).

Over TLS those that speak HTTP do it over TLS (the oversized request, the half-close, the reset mid-response); the
others are as rude to a TLS server as to a plain one, in raw TCP: a connection closed before its ClientHello, and
random bytes that are no TLS record at all.
"""

import random
import socket
import struct
from collections.abc import Callable

from wirecheck.clients._exchanges import sends_then_half_closes
from wirecheck.clients._requests import read_until_closed, request_bytes
from wirecheck.server._dialer import ENDED_BY_SERVER, HOST, Dialer

RANDOM_SEED = 1
RANDOM_BYTES = 512
OVERSIZED_REQUEST_BYTES = 70_000  # past the article's 1 KiB buffer and http.server's 64 KiB line limit
DEFAULT_TIMEOUT_SECONDS = 2.0


def closes_without_a_request(dialer: Dialer, path: str, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> bool:
    """Connects and closes at once (over TLS, before its ClientHello)."""
    socket.create_connection((HOST, dialer.port), timeout=timeout).close()
    return False


def sends_random_bytes(dialer: Dialer, path: str, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> bool:
    """Sends bytes that are no HTTP at all, nor TLS, then reads whatever comes back."""
    with socket.create_connection((HOST, dialer.port), timeout=timeout) as client:
        client.sendall(random.Random(RANDOM_SEED).randbytes(RANDOM_BYTES))
        return _read_quietly(client)


def sends_an_oversized_request(dialer: Dialer, path: str, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> bool:
    """Sends a request far larger than a server's read buffer, then reads the answer."""
    padding = "a" * OVERSIZED_REQUEST_BYTES
    request = f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\nX-Padding: {padding}\r\n\r\n".encode()
    with dialer.open(timeout) as client:
        try:
            if dialer.tls:
                _send_corked(client, request)
            else:
                client.sendall(request)
        except ENDED_BY_SERVER:
            return False  # the server answered early and reset: that is its right
        return _read_quietly(client)


def half_closes_after_the_request(dialer: Dialer, path: str, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> bool:
    """Sends a request, shuts its sending side (FIN; over TLS close_notify first), then reads the answer."""
    return sends_then_half_closes(dialer, request_bytes(path, HOST, dialer.port, close=True), timeout)


def resets_mid_response(dialer: Dialer, path: str, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> bool:
    """Sends a request and resets the connection (RST) as soon as the response starts."""
    client = dialer.connect(timeout)
    client.sendall(request_bytes(path, HOST, dialer.port, close=True))
    client.recv(1)
    client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    client.close()  # with linger 0: RST instead of FIN (and over TLS no close_notify: close() sends none)
    return False


def _send_corked(client: socket.socket, data: bytes) -> None:
    """Send `data` corked: over TLS its records leave together, as one write does over TCP, not held by Nagle for
    the server's delayed ACK (40 ms), which aiohttp's 400 and close came before, the records then drawing its RST,
    in two runs of three (corked: FIN in 14 of 14). Over TCP a cork cut the one write in smaller segments than it
    leaves in alone, and uvicorn, which parses a head as it comes, answered 400 instead of its 200 in some runs:
    plain clients send without. Over TLS the records still arrive in two segments, and a server that parses the
    head as it comes answers what its first read held: hypercorn 431 or 200, node's close FIN or RST, from run to
    run (the verdict holds; the ending recorded does not)."""
    client.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1)
    client.sendall(data)
    client.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 0)


def _read_quietly(client: socket.socket) -> bool:
    """Read until the server closes; True if the client gave up waiting first."""
    try:
        read_until_closed(client)
    except TimeoutError:
        return True
    except ENDED_BY_SERVER:  # a reset; over TLS a FIN without close_notify, or a fatal alert
        pass
    return False


ABUSES: dict[str, Callable[[Dialer, str, float], bool]] = {
    abuse.__name__: abuse for abuse in (closes_without_a_request, sends_random_bytes, sends_an_oversized_request,
                                        half_closes_after_the_request, resets_mid_response)}
