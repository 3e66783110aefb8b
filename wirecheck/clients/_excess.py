"""A crowd of idle connections, more than the server's open-files limit lets it hold, and how each one stood.

Each connects (non-blocking, all at once) and says nothing. Past the limit the server cannot accept them: they wait
in its accept queue, or their SYNs are dropped once the queue is full (they stay unaccepted), unless the server
closes or resets them. The crowd costs the gate a descriptor each, so the gate's own soft limit is raised to its
hard limit first. Everything is bounded: the connections by their count, the wait for their handshakes by a time.
"""

import errno
import resource
import select
import socket
import time

from wirecheck.checks import _categories as categories
from wirecheck.server._process_view import ProcessView, accept_queue
from wirecheck.server._waiting import wait_until

CONNECT_POLL_SECONDS = 0.02
# How long one connection may take to be connected and accepted before the server counts as no longer keeping up.
PACE_SECONDS = 0.2


def raise_own_open_files_limit(needed: int) -> None:
    """This process's soft RLIMIT_NOFILE raised to its hard limit, so that it can hold `needed` more sockets; an
    error if even the hard limit is too low."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < needed * 2:
        raise OSError(errno.EMFILE, f"the gate may open {hard} files (RLIMIT_NOFILE), it needs about {needed * 2}")
    if soft != hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


class Crowd:
    """`count` idle connections to `port`, opened on entry (waiting at most `timeout` for the handshakes of those
    past the server's limit), closed on exit."""

    def __init__(self, port: int, count: int, timeout: float) -> None:
        self.port, self.count, self.timeout = port, count, timeout
        self.clients: list[socket.socket] = []
        self.left_at: float | None = None  # when the crowd closed (wall clock, comparable with frame times)

    def __enter__(self) -> "Crowd":
        raise_own_open_files_limit(self.count)
        try:
            self._connect()
        except BaseException:
            self.__exit__()
            raise
        return self

    def _connect(self) -> None:
        """One at a time while the server keeps up, each connected and taken from the accept queue before the
        next (a burst at once would overflow a small backlog, http.server's 5, and wait for SYN retries instead of
        reaching the limit); once it stops taking them (at its limit), the rest at once, waiting at most
        `timeout` for their handshakes: past a full accept queue their SYNs are dropped, and they stay
        unaccepted."""
        pending, keeping_up, deadline = [], True, time.monotonic() + self.timeout
        for _ in range(self.count):
            client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self.clients.append(client)
            client.setblocking(False)
            client.connect_ex(("127.0.0.1", self.port))
            if keeping_up:
                keeping_up = bool(select.select([], [client], [], PACE_SECONDS)[1]) and \
                    wait_until(lambda: not accept_queue(self.port), PACE_SECONDS)
            if not keeping_up:
                pending.append(client)
        while pending and (left := deadline - time.monotonic()) > 0:
            _, done, _ = select.select([], pending, [], min(left, CONNECT_POLL_SECONDS))
            pending = [client for client in pending if client not in done]

    def standing(self, view: ProcessView) -> list[str]:
        """How each connection stands now: accepted and idle (a process of the server holds it), unaccepted (in the
        accept queue, or its SYN not answered), or ended by the server (FIN, RST, refused: nothing listens)."""
        accepted = view.accepted_peers(self.port)
        return [self._standing(client, accepted) for client in self.clients]

    @staticmethod
    def _standing(client: socket.socket, accepted: set[int]) -> str:
        error = client.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if error in (errno.ECONNREFUSED, errno.ECONNRESET):
            return categories.REFUSED if error == errno.ECONNREFUSED else categories.RST
        if not select.select([], [client], [], 0)[1]:
            return categories.UNACCEPTED  # still connecting: its SYN waits for a retry
        if select.select([client], [], [], 0)[0]:
            try:
                client.recv(65536, socket.MSG_PEEK)
            except ConnectionResetError:
                return categories.RST
            return categories.FIN  # closed, maybe after an answer: the server let it go
        return categories.ACCEPTED if client.getsockname()[1] in accepted else categories.UNACCEPTED

    def __exit__(self, *exc_info: object) -> None:
        for client in self.clients:
            client.close()
        self.left_at = time.time()
