"""Clients that exercise how a server manages a connection: keep-alive, pipelining after a close,
an upload answered early, half-close, HTTP/1.0, and `Expect: 100-continue`.

Each drives one connection and returns nothing: the capture is the evidence, and the checks
(wirecheck.checks._http) judge it. Each reads the way a careful client reads (until the responses
it waits for are complete, or the server closes), and none waits longer than its `timeout`. Each connects through
the session's Dialer, plain or TLS: the upload too, and the half-close, which over TLS sends its close_notify with its
FIN and reads on (RFC 8446 §6.1: a close_notify closes only its sender's write side).
"""

import contextlib
import select
import socket
import time
from collections.abc import Callable

from wirecheck.clients._requests import request_bytes
from wirecheck.model._http import HttpParseError, HttpResponse, parse_responses
from wirecheck.server._dialer import ENDED_BY_SERVER, HOST, NOT_YET, Dialer, receive, shut_write

READ_BYTES = 65536
CONTINUE_BODY = b"expected body\n"
# The part of an upload's body sent before the client pauses for an early answer: far below a socket's receive
# buffer (128 KiB here), so that it never waits for the server to read.
FIRST_BODY_BYTES = 16 * 1024


def keep_alive(dialer: Dialer, path: str, timeout: float, idle_window: float = 0.0) -> None:
    """Two GETs, one after the other's response, if the first response keeps the connection open; then waits
    up to `idle_window` for the server to close the idle connection."""
    request = request_bytes(path, HOST, dialer.port)
    with dialer.open(timeout) as client:
        client.sendall(request)
        received = bytearray()
        closed = _read_until(client, received, lambda data: len(_finals(data)) >= 1, timeout)
        if closed or not _finals(received) or not _finals(received)[0].persistent:
            _read_until(client, received, _never, timeout)  # the server said it closes: let it
            return
        if not _send(client, request) or _read_until(client, received, lambda data: len(_finals(data)) >= 2,
                                                     timeout):
            return
        _read_until(client, received, _never, idle_window)


def pipelined_after_close(dialer: Dialer, path: str, timeout: float) -> None:
    """A GET with `Connection: close` and a second GET, in one segment; reads until the server closes."""
    with dialer.open(timeout) as client:
        client.sendall(request_bytes(path, HOST, dialer.port, close=True) + request_bytes(path, HOST, dialer.port))
        _read_until(client, bytearray(), _never, timeout)


def sends_then_half_closes(dialer: Dialer, data: bytes, timeout: float) -> bool:
    """Sends `data` and shuts its sending side in the same segment (shut_write: over TLS close_notify, then FIN),
    then reads until the server closes; True if it gave up waiting first."""
    with dialer.connect(timeout) as client:
        # Corked, the data waits for the FIN and both leave in one segment: the server always has the request and
        # the end of the stream at once. Sent apart, the FIN came before the server's answer in some runs and
        # after it in others, and a server that stops at the end of the stream (aiohttp) flapped between them.
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1)
        client.sendall(data)
        shut_write(client)
        return not _read_until(client, bytearray(), _never, timeout)


def http10(dialer: Dialer, path: str, timeout: float) -> None:
    """An HTTP/1.0 GET without keep-alive; reads until the server closes."""
    with dialer.open(timeout) as client:
        client.sendall(request_bytes(path, HOST, dialer.port, version="1.0"))
        _read_until(client, bytearray(), _never, timeout)


def upload(dialer: Dialer, path: str, body_bytes: int, timeout: float, answer_wait: float) -> None:
    """A POST of `body_bytes`: its head and FIRST_BODY_BYTES of the body, then a pause of up to `answer_wait` for
    an early answer, then the rest as fast as the server takes it while reading whatever the server answers.
    It goes on sending after the server's FIN (a lingering server still reads; over TLS, after its close_notify),
    and stops at an error, once all is sent and the server closed, or once all is sent and the response keeps the
    connection open.

    The pause makes an early answer meet a client that is still sending, every time: sent straight through, a
    megabyte on loopback took about as long as the server took to answer, and which came first changed from
    run to run."""
    head = (f"POST {path} HTTP/1.1\r\nHost: {HOST}:{dialer.port}\r\nContent-Type: application/octet-stream\r\n"
            f"Content-Length: {body_bytes}\r\n\r\n").encode()
    pending = memoryview(head + bytes(body_bytes))
    received = bytearray()
    deadline = time.monotonic() + timeout
    with dialer.open(timeout) as client:
        first = len(head) + min(body_bytes, FIRST_BODY_BYTES)
        # Corked, the first part leaves whole, at once. Over TLS it is two records (a record holds 16 KiB at most),
        # and Nagle held the second, a small segment, until the server acknowledged the first, often with its early
        # answer: a server that answered and closed at once then closed over nothing unread (FIN) in some runs and
        # over the second record (RST) in others.
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1)
        if not _send(client, pending[:first]):
            return
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 0)
        client.setblocking(False)
        # A reset, the server will take no more, or over TLS a FIN without close_notify (the session is over, for
        # reading and sending): the wire shows which.
        with contextlib.suppress(*ENDED_BY_SERVER):
            reading = _await_answer(client, received, answer_wait)
            _send_while_reading(client, pending[first:], received, reading, deadline)


def _await_answer(client: socket.socket, received: bytearray, wait: float) -> bool:
    """Read into `received` until the server's first bytes come, for at most `wait`; False if the server closed.
    Over TLS a record without data (a session ticket) makes the socket readable but is no answer."""
    end = time.monotonic() + wait
    while not received and (left := end - time.monotonic()) > 0:
        if select.select([client], [], [], left)[0] and not _read_some(client, received):
            return False
    return True


def _send_while_reading(client: socket.socket, pending: memoryview, received: bytearray, reading: bool,
                        deadline: float) -> None:
    """Send `pending` as fast as the server takes it while reading into `received`, until `deadline`, all is sent
    and the server closed (or its response keeps the connection open)."""
    while (reading or pending) and time.monotonic() < deadline:
        answered = _finals(received)
        if not pending and answered and answered[0].persistent:
            return
        # Once answered, what follows is the server's close, read after the rest is sent: over TLS a FIN without
        # close_notify, once read, ends the session for sending too, and the upload stopped short in some runs,
        # before the server's RST, and went on into it in others (gunicorn).
        listening = reading and not (pending and answered)
        readable, writable, _ = select.select([client] if listening else [], [client] if pending else [], [],
                                              max(0.0, deadline - time.monotonic()))
        if readable:
            reading = _read_some(client, received)
        if writable:
            with contextlib.suppress(*NOT_YET):
                pending = pending[client.send(pending[:READ_BYTES]):]


def _read_some(client: socket.socket, received: bytearray) -> bool:
    """Read what has come (`client` does not block) into `received`; False once the server has closed its side
    (over TLS, its close_notify: the client may still send, and a lingering server still reads)."""
    try:
        chunk = receive(client, READ_BYTES)
    except NOT_YET:
        return True
    received += chunk
    return bool(chunk)


def expect_continue(dialer: Dialer, path: str, wait: float, timeout: float) -> None:
    """A POST with `Expect: 100-continue`: its head, then the body once 100 Continue comes, or after `wait`
    without any answer (as curl does); none once a final status came. Reads until the server closes."""
    head = (f"POST {path} HTTP/1.1\r\nHost: {HOST}:{dialer.port}\r\nContent-Length: {len(CONTINUE_BODY)}\r\n"
            "Expect: 100-continue\r\nConnection: close\r\n\r\n").encode()
    with dialer.open(timeout) as client:
        client.sendall(head)
        received = bytearray()
        if _read_until(client, received, lambda data: bool(_responses(data)), wait):
            return
        if not _finals(received) and not _send(client, CONTINUE_BODY):
            return
        _read_until(client, received, _never, timeout)


def _read_until(client: socket.socket, received: bytearray, enough: Callable[[bytes], bool],
                timeout: float) -> bool:
    """Read into `received` until `enough(received)`, for at most `timeout`; True if the server closed."""
    deadline = time.monotonic() + timeout
    while not enough(bytes(received)):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        client.settimeout(remaining)
        try:
            chunk = client.recv(READ_BYTES)
        except TimeoutError:
            return False
        except ENDED_BY_SERVER:
            return True
        if not chunk:
            return True
        received += chunk
    return False


def _send(client: socket.socket, data: bytes) -> bool:
    """Send `data`; False if the server had closed or reset the connection."""
    try:
        client.sendall(data)
    except ConnectionError:
        return False
    return True


def _never(data: bytes) -> bool:
    return False


def _responses(data: bytes) -> list[HttpResponse]:
    """The responses (interim ones too) whose head has arrived; none while the bytes are no HTTP."""
    try:
        return parse_responses(data, closed=False)
    except HttpParseError:
        return []


def _finals(data: bytes) -> list[HttpResponse]:
    """The complete final responses in `data`."""
    return [response for response in _responses(data) if not response.interim and response.complete]
