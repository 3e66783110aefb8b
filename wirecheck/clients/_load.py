"""Clients of the load properties: a crowd of idle connections, a fresh client beside it, rounds of concurrent
requests, and the accept queue's peak sampled while a burst is in flight.

Every loop is bounded in count and in time, and every client connects to 127.0.0.1 only. A crowd is opened at
the pace of the server's accept queue (each connect waits, briefly, for room in it), so that what it measures is
the connections held open, never SYNs dropped past a small backlog: that is the burst's property.
"""

import resource
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

from wirecheck.clients._held import read_until_closed_within
from wirecheck.clients._requests import exchanges
from wirecheck.server._dialer import Dialer
from wirecheck.server._process_view import accept_queue, listen_backlog
from wirecheck.server._waiting import wait_until

# How long a crowd or a round waits for room in a full accept queue before it stops growing: a server that
# accepts takes a connection within milliseconds.
STALL_SECONDS = 0.25
# How often the accept queue is read while a burst is in flight: a sock_diag request costs tens of microseconds.
QUEUE_SAMPLE_SECONDS = 0.0005


@contextmanager
def open_files_raised() -> Iterator[None]:
    """This process's soft limit on open descriptors raised to its hard limit (a crowd of thousands needs one each),
    and put back on exit, so that servers started later in this process inherit the limit they always had."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def open_paced(port: int, count: int, timeout: float) -> list[socket.socket]:
    """Up to `count` connections, each made once the listening socket's accept queue has room for it: those
    opened within `timeout`, connected and saying nothing. Opening stops where the queue stays full for
    STALL_SECONDS: a server that accepts no more (one client at a time, a pool whose workers are all taken)."""
    deadline = time.monotonic() + timeout
    room = max(listen_backlog(port) or 1, 1)  # the queue holds backlog + 1: one place is kept free
    opened: list[socket.socket] = []
    for _ in range(count):
        if not wait_until(lambda: (accept_queue(port) or 0) < room,
                          min(STALL_SECONDS, max(0.0, deadline - time.monotonic()))):
            break
        try:
            opened.append(socket.create_connection(("127.0.0.1", port), timeout=max(0.001,
                                                                                    deadline - time.monotonic())))
        except OSError:
            break  # the server refused, or its queue stayed full until the deadline: the crowd is what was opened
    return opened


class Crowd:
    """Idle connections that are only ever added to, each opened at the accept queue's pace, and closed together."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.connections: list[socket.socket] = []
        self._stack = ExitStack()

    def __enter__(self) -> "Crowd":
        self._stack.enter_context(open_files_raised())
        return self

    def grow_to(self, size: int, timeout: float) -> int:
        """Open connections until the crowd holds `size` (within `timeout`); return how many it holds."""
        for connection in open_paced(self.port, size - len(self.connections), timeout):
            self.connections.append(self._stack.enter_context(connection))
        return len(self.connections)

    def __exit__(self, *exc_info: object) -> None:
        self._stack.close()


def fresh_client(port: int, request: bytes, within: float, timeout: float) -> tuple[int, bool]:
    """One connection that sends `request` and reads until the server closes (at most `timeout`): its own port,
    to find it in the capture, and whether its first response byte came within `within` of its connect, as the
    client saw it (the wire, not this, is judged; this only decides whether to go on)."""
    with socket.socket() as client:
        client.bind(("127.0.0.1", 0))
        own_port = client.getsockname()[1]
        started = time.monotonic()
        client.settimeout(timeout)
        try:
            client.connect(("127.0.0.1", port))
            client.sendall(request)
            first = client.recv(65536)
        except OSError:
            return own_port, False
        answered_at = time.monotonic()
        if first:
            read_until_closed_within(client, max(0.0, started + timeout - answered_at))
        return own_port, bool(first) and answered_at - started <= within


def concurrent_requests(dialer: Dialer, request: bytes, count: int, timeout: float) -> set[int]:
    """`count` connections opened at the accept queue's pace, then `request` sent on all of them at once, each read
    until the server closes; `timeout` bounds each half. Returns the client ports of those opened (fewer than
    `count` where the accept queue stayed full: open_paced), to find them in the capture."""
    with open_files_raised():
        connections = open_paced(dialer.port, count, timeout)
        ports = {connection.getsockname()[1] for connection in connections}
        exchanges(dialer, connections, [request] * len(connections), timeout)
    return ports


class QueuePeak:
    """The longest accept queue seen on `port` while the `with` block runs, read by a thread every
    QUEUE_SAMPLE_SECONDS (a sample: the kernel keeps no peak of its own)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.peak = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._done.is_set():
            self.peak = max(self.peak, accept_queue(self.port) or 0)
            self._done.wait(QUEUE_SAMPLE_SECONDS)

    def __enter__(self) -> "QueuePeak":
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._done.set()
        self._thread.join()
