"""Clients that hold a connection open: silent, idle after a response, trickling their head, mid-upload.

These are the clients that tie up a server's workers or outlive its patience: the contract
opens them to see whether others still get served, whether the server cuts them off, how
it ends them when it stops, and whether it closes when they close first. None of them
waits unbounded: every read has a deadline, and what the server did is read from the
capture afterwards, not from these sockets. They connect through the session's Dialer (plain or
TLS), but the silent one. Over TLS a socket turns readable for records that carry no data (session
tickets): the clients that wait for the server's next word read without blocking and let those go by.
"""

import select
import socket
import threading
import time
from collections.abc import Callable

from wirecheck.clients._requests import request_bytes
from wirecheck.model._http import HttpParseError, parse_response
from wirecheck.server import _sock_diag as sock_diag
from wirecheck.server._dialer import ENDED_BY_SERVER, HOST, NOT_YET, Dialer, close, receive, shut_write
from wirecheck.server._process_view import accept_queue
from wirecheck.server._waiting import wait_until

TRICKLE_INTERVAL_SECONDS = 0.5  # one byte of the head every half second: a slowloris client
TRICKLE_PADDING = "X-Trickle: "
CLOSING_POLL_SECONDS = 0.02  # how often ClosingWhenClosed looks for its stop


def connect(dialer: Dialer, timeout: float) -> socket.socket:
    """A connection that says nothing yet (over TLS, its handshake done)."""
    return dialer.connect(timeout)


def connect_silent(port: int, timeout: float) -> socket.socket:
    """A connection that says nothing at all: over TLS not even its ClientHello, as a TCP prober's, or a client
    that went quiet at once."""
    return socket.create_connection((HOST, port), timeout=timeout)


def wait_accepted(port: int, timeout: float) -> bool:
    """Wait (at most `timeout`) until the server has accepted every connection made so far: none is left in the
    accept queue of its listening socket. False if some still are (a server that accepts one at a time)."""
    return wait_until(lambda: not accept_queue(port), timeout)


def keep_alive_request(path: str, port: int) -> bytes:
    """A GET without `Connection: close`: an HTTP/1.1 server may keep the connection open after answering."""
    return request_bytes(path, "127.0.0.1", port)


def read_response(client: socket.socket, timeout: float) -> bytes:
    """Read until one whole response has arrived, the server closes, or `timeout` passes; return what came."""
    return _read(client, timeout, until=_whole_response)


def read_until_closed_within(client: socket.socket, timeout: float) -> bytes:
    """Read until the server closes (FIN or RST) or `timeout` passes; return what came."""
    return _read(client, timeout, until=lambda received: False)


def _read(client: socket.socket, timeout: float, until: Callable[[bytes], bool]) -> bytes:
    """Read until `until(what came)` holds, the server closes, or `timeout` passes; return what came."""
    received = bytearray()
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        client.settimeout(left)
        try:
            chunk = client.recv(65536)
        except (TimeoutError, *ENDED_BY_SERVER):
            break
        if not chunk:
            break
        received += chunk
        if until(bytes(received)):
            break
    return bytes(received)


def _whole_response(received: bytes) -> bool:
    try:
        return parse_response(received, closed=False).complete
    except HttpParseError:
        return False  # the head is not whole yet


def idle_keep_alive(dialer: Dialer, path: str, timeout: float, count: int = 1,
                    handshake_within: float | None = None) -> list[socket.socket]:
    """`count` connections that have had one response each and stay open, asking for nothing more. Each asks once
    connected (over TLS connecting is a handshake, which a pool of workers all waiting for requests would never
    make), then all read, within one `timeout`: a server that answers one at a time does not multiply it. Over TLS
    the handshakes go side by side (Dialer.connect_each), and a client whose handshake the server did not make within
    `handshake_within` (default `timeout`) is left out: the capture shows what came of it."""
    clients = []
    for client in dialer.connect_each(count, handshake_within or timeout):
        client.sendall(keep_alive_request(path, dialer.port))
        clients.append(client)
    deadline = time.monotonic() + timeout
    for client in clients:
        read_response(client, max(0.0, deadline - time.monotonic()))
    return clients


def upload_in_flight(dialer: Dialer, path: str, body_bytes: int,
                     timeout: float) -> tuple[socket.socket, bytes, int]:
    """A POST whose head and first half of the body are sent; returns the socket, the half still to send and the
    number of body bytes sent."""
    client = connect(dialer, timeout)
    head = (f"POST {path} HTTP/1.1\r\nHost: {HOST}:{dialer.port}\r\nContent-Type: application/octet-stream\r\n"
            f"Content-Length: {body_bytes}\r\nConnection: close\r\n\r\n").encode()
    half = body_bytes // 2
    # Corked, it leaves at once, whole: over TLS it is three records, and Nagle held the last, a small segment, until
    # the server acknowledged the others; one that answers the head and closes (node) reset it in some runs. Sent
    # quietly: such a server may close while it goes out, and the capture shows how.
    client.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1)
    send_quietly(client, head + b"u" * half)
    client.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 0)
    return client, b"u" * (body_bytes - half), half


def upload_settled(port: int, client: socket.socket, body_sent: int, quiet: float, timeout: float) -> bool:
    """Wait until the server has taken in the head of the upload on `client` (its socket holds at most
    `body_sent` bytes unread), then until it has said nothing for `quiet` seconds, or answered and closed: what it
    does before a stop signal is then done, never racing the signal. A server that answers an upload without
    reading its body (http.server's 501, an application that ignores the body) does so within moments of the head;
    one that waits for the body says nothing. All within `timeout`. True if the server closed meanwhile: over TLS
    its close_notify, read here, is not there to read again, and one that holds its FIN waits for the client's.

    Over TLS the kernel counts record bytes: the head's record (with 16 KiB of the body) taken in leaves less than
    `body_sent` unread, and none of it taken leaves the head and the records' overhead more."""
    deadline = time.monotonic() + timeout
    client_port = client.getsockname()[1]
    said: bytes | None = None  # the server's last word (None: nothing yet); what it was is in the capture

    def head_taken() -> bool:
        nonlocal said
        own = [s for s in sock_diag.sockets(port, *sock_diag.CONNECTED) if s.peer_port == client_port]
        if not own or own[0].queue <= body_sent:
            return True
        said = next_bytes(client, 0)
        return said is not None

    wait_until(head_taken, timeout)
    while said != b"" and (left := deadline - time.monotonic()) > 0:
        said = next_bytes(client, min(quiet, left))  # an answer: read on, until its close or quiet
        if said is None:
            break
    return said == b""


def next_bytes(client: socket.socket, wait: float) -> bytes | None:
    """What the server sends next on `client`, within `wait`: its bytes; b"" once it has closed (over TLS with
    close_notify, or a FIN without it) or reset the connection; None if nothing came. Records without data are
    nothing: a socket that does not block lets them go by instead of waiting for data behind them."""
    timeout, deadline = client.gettimeout(), time.monotonic() + wait
    client.setblocking(False)
    try:
        while select.select([client], [], [], max(0.0, deadline - time.monotonic()))[0]:
            try:
                return receive(client, 65536)
            except NOT_YET:
                continue
            except ENDED_BY_SERVER:
                return b""
        return None
    finally:
        client.settimeout(timeout)


class ClosingWhenClosed(threading.Thread):
    """Reads each of `clients` until the server closes its side (over TLS, its close_notify or a bare FIN), then
    closes it too, as a client does (over TLS, close_notify first): a server that lingers after its FIN, or holds
    its FIN until the client's close_notify, waits for that. A client the server never closed stays open until
    stop(); those are in `still_open` then."""

    def __init__(self, clients: list[socket.socket]) -> None:
        super().__init__(daemon=True)
        self.still_open = list(clients)
        self._stop_asked = threading.Event()

    def add(self, client: socket.socket) -> None:
        """Watch `client` too, once connected (appending to a list is atomic: no lock)."""
        self.still_open.append(client)

    def run(self) -> None:
        while not self._stop_asked.is_set():
            for client in select.select(self.still_open, [], [], CLOSING_POLL_SECONDS)[0]:
                if next_bytes(client, 0) == b"":
                    self.still_open.remove(client)
                    close(client)

    def stop(self) -> list[socket.socket]:
        """Stop watching; the clients the server has not closed."""
        self._stop_asked.set()
        self.join()
        return self.still_open


def close_lingering(client: socket.socket, within: float) -> None:
    """Close as a client does (over TLS close_notify, then FIN) and read what the server still says for up to
    `within` seconds, until its own close, before the socket goes: what the server sends in answer (over TLS its
    close_notify, or an alert) would meet a closed socket, draw its RST, and its FIN would never come."""
    shut_write(client)
    deadline = time.monotonic() + within
    while (left := deadline - time.monotonic()) > 0 and next_bytes(client, left):
        pass
    client.close()


def send_quietly(client: socket.socket, data: bytes) -> None:
    """Send `data` unless the server has closed or reset meanwhile (how it ended shows on the wire)."""
    try:
        client.sendall(data)
    except OSError:
        pass


def trickled_head(path: str, port: int, lasting: float) -> bytes:
    """A request head long enough to take more than `lasting` seconds at one byte per trickle interval."""
    head = request_bytes(path, "127.0.0.1", port)
    needed = int(lasting / TRICKLE_INTERVAL_SECONDS) + 1 - len(head)
    padding = f"{TRICKLE_PADDING}{'a' * max(needed, 1)}\r\n".encode()
    return head[:-2] + padding + b"\r\n"


class Trickler(threading.Thread):
    """Sends a request head one byte every TRICKLE_INTERVAL_SECONDS until the server closes or resets, the
    head is sent, `give_up` seconds pass, or stop() is called; then closes as a client does (over TLS, each byte
    is a record of its own). What the server did is read from the capture."""

    def __init__(self, dialer: Dialer, path: str, give_up: float) -> None:
        super().__init__(daemon=True)
        self.dialer, self.give_up = dialer, give_up
        self.head = trickled_head(path, dialer.port, give_up)
        self._stop_asked = threading.Event()
        # Connected here, its TLS handshake made in run(): the server has every trickler in its accept queue before
        # the clients it must not hold up come, and none waits here for a handshake that a server busy with another
        # trickler puts off.
        self._tcp = socket.create_connection((HOST, dialer.port), timeout=give_up)

    def run(self) -> None:
        deadline = time.monotonic() + self.give_up
        try:
            client = self.dialer.wrap(self._tcp)
        except OSError:  # the server did not make the handshake in time, or failed it: the capture shows it
            return
        client.setblocking(False)  # select() says when to read; a byte always fits the send buffer
        try:
            for byte in self.head:
                if self._stop_asked.is_set() or time.monotonic() > deadline or not self._send(client, bytes([byte])):
                    return
                if self._server_ended(client, TRICKLE_INTERVAL_SECONDS):
                    return
        finally:
            close(client)

    @staticmethod
    def _send(client: socket.socket, byte: bytes) -> bool:
        try:
            client.sendall(byte)
            return True
        except OSError:
            return False

    def _server_ended(self, client: socket.socket, wait: float) -> bool:
        """Read whatever the server says for `wait` seconds (an error status, say: its close follows); True as soon
        as it closes or resets."""
        deadline = time.monotonic() + wait
        while (left := deadline - time.monotonic()) > 0:
            said = next_bytes(client, left)
            if not said:
                return said == b""
        return False

    def stop(self) -> None:
        """Ask it to stop after the byte it is waiting to send (join() waits for that)."""
        self._stop_asked.set()
