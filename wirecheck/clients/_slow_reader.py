"""A client that asks for a lot and never reads it: its responses back up in the server.

It connects with a small receive buffer and a small segment size, both set before connecting: the first closes
its window after a few kilobytes, the second keeps the server's send buffer small (Linux sizes it from the
segment size), so that a few hundred kilobytes of responses are enough to fill the server's kernel buffers and
make its writes block, or its own buffers grow. Then it pipelines a batch of requests (or asks once for
--wire-large-path) and reads nothing. Once its window has closed, a server that has read every request and still
has room in its socket's send buffer holds nothing back: the kernel took all its responses, and it waits for the
next request (Linux grows that buffer with the congestion window, to 240 KiB or more, so a batch may fit whole or
not, by a race). The client then pipelines another batch, up to a bounded number, until the server leaves requests
unread or its send buffer is full: the same state for every server, every run. It watches, without reading, for
the server to let it go: a FIN or RST arriving (its socket's TCP state), or no process of the server holding the
connection any more (a FIN that waits behind the closed window never arrives). Every wait is bounded; what the
server did is read from the capture.
"""

import fcntl
import select
import socket
import struct
import termios
import time
from collections.abc import Callable
from dataclasses import dataclass

from wirecheck.server import _sock_diag as sock_diag
from wirecheck.server._process_view import ProcessView
from wirecheck.server._waiting import settle, wait_until

# SO_RCVBUF: the kernel's smallest (it raises 1 to about 2 KiB), so that the window closes after a kilobyte or two.
# The server's send buffer grows with every segment of it the client acknowledges: with 4096 the window took 5.8 or
# 6.9 KiB by a race, the buffer grew to 228-256 KiB, and hypercorn's 1000th response (where it closes a connection)
# fitted in it or not: its verdict flapped (3 of 10). With the smallest, 165888 bytes every run (gthread, hypercorn).
RECEIVE_BUFFER_BYTES = 1
SEGMENT_BYTES = 536  # TCP_MAXSEG: the server's send buffer is sized at about forty segments (46 KiB)
# Requests pipelined: about 60 KiB of GETs, whose responses (a bare "Hello" is 50-200 bytes) are more than the
# server's kernel buffers and the client's window take (about 54 KiB), so that they back up. And no more than the
# server's receive window (70 KiB on loopback): every request is in before the responses back up, so no server
# is handed more of them while blocked. With 4000 (170 KiB) the rest came once the server read again, and hypercorn
# reset the connection then or not, by a race (1 run of 3): the verdict flapped. A batch is sent again only once the
# server has read the last one whole.
PIPELINED_REQUESTS = 1500
# Batches at most: gunicorn gthread's send buffer took a batch's 240 KiB of responses whole in 5 runs of 8 under load.
BATCHES = 4
# The client's unread bytes unchanged this long: its window has closed, the responses back up in the server.
BACKED_UP_QUIET_SECONDS = 0.2
POLL_SECONDS = 0.05
# Linux's TCP states in tcp_info (include/net/tcp_states.h): the server's FIN came (CLOSE_WAIT), or its RST (CLOSE).
TCP_CLOSE, TCP_CLOSE_WAIT = 7, 8


@dataclass
class SlowReading:
    """What the server held while a client did not read."""

    resident_before: int  # the tree's RSS once the connection was accepted, before the requests
    resident_backed_up: int  # the tree's RSS once the responses had backed up
    backed_up: bool  # whether the client's unread bytes stopped growing (its window closed) before the server let go
    released_at: float | None  # when (wall clock) no process of the server held the connection any more


class SlowReader:
    """One connection to `port` that sends `batch` (as far as the server takes it), and again while the server has
    taken it all and can still write, `batches` times at most; and reads nothing."""

    def __init__(self, port: int, batch: bytes, view: ProcessView, connect_timeout: float, batches: int = 1) -> None:
        self.port, self.batch, self.view = port, batch, view
        self.requests, self._batches_left = batch, batches - 1
        self.client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER_BYTES)
        self.client.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, SEGMENT_BYTES)
        self.client.settimeout(connect_timeout)
        self.client.connect(("127.0.0.1", port))
        self.client.setblocking(False)
        self.own_port = self.client.getsockname()[1]
        self._sent = 0

    def run(self, back_up_within: float, patience: float, while_backed_up: Callable[[], None]) -> SlowReading:
        """Send, read nothing; once the responses have backed up (or `back_up_within` passed), measure the tree's
        memory and call `while_backed_up`; then wait up to `patience` for the server to let the client go."""
        with self.client:
            wait_until(lambda: self.own_port in self.view.accepted_peers(self.port), back_up_within)
            before = self.view.resident_bytes()
            backed_up = self._wait(lambda: self._backed_up(), back_up_within)
            during = self.view.resident_bytes()
            while_backed_up()
            let_go = self._wait(self._let_go, patience)
            released = time.time() if let_go else None
            return SlowReading(before, during, backed_up and not self._let_go(), released)

    def _wait(self, done: Callable[[], bool], timeout: float) -> bool:
        """Keep sending while waiting, at most `timeout`, for `done` (or for the server to let go)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._send_more()
            if done() or self._let_go():
                return done()
            time.sleep(POLL_SECONDS)
        return False

    def _send_more(self) -> None:
        if self._sent < len(self.requests) and select.select([], [self.client], [], 0)[1]:
            try:
                self._sent += self.client.send(self.requests[self._sent:])
            except OSError:
                self._sent = len(self.requests)  # reset: nothing more to send

    def _backed_up(self) -> bool:
        """The client's unread bytes have stopped growing (its window is closed), and the server holds requests it
        has not read or has filled its send buffer; or no batch is left to send."""
        unread, quiet = settle(self._unread, BACKED_UP_QUIET_SECONDS, BACKED_UP_QUIET_SECONDS * 2,
                               done=lambda value: value > 0, poll=POLL_SECONDS / 5)
        if not quiet:
            return False
        server_side, _ = settle(self._server_side, BACKED_UP_QUIET_SECONDS, BACKED_UP_QUIET_SECONDS * 2,
                                poll=POLL_SECONDS / 5)
        # A server that has let go gets nothing more: requests sent to a closed socket draw the kernel's RST.
        if server_side is None or server_side.queue > 0 or server_side.send_full or self._let_go():
            return True
        if self._sent < len(self.requests):
            return False  # the batch is still on its way
        if not self._batches_left:
            return True
        self.requests += self.batch
        self._batches_left -= 1
        return False

    def _server_side(self) -> sock_diag.Socket | None:
        """The server's end of the connection, as the kernel holds it (None once closed)."""
        return next((s for s in sock_diag.sockets(self.port, *sock_diag.CONNECTED) if s.peer_port == self.own_port),
                    None)

    def _unread(self) -> int:
        return struct.unpack("i", fcntl.ioctl(self.client.fileno(), termios.FIONREAD, b"\0" * 4))[0]

    def _let_go(self) -> bool:
        """The server closed or reset the connection (its FIN or RST arrived), or holds it no more."""
        state = self.client.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 1)[0]
        return state in (TCP_CLOSE, TCP_CLOSE_WAIT) or self.own_port not in self.view.accepted_peers(self.port)
