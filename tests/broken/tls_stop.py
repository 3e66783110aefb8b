"""How the HTTPS test servers stop on SIGTERM. Gracefully, as good_https.py does: the listening socket is closed at
once (a newcomer is refused), a connection that has sent nothing yet (no ClientHello) is closed with FIN, one idle
between requests is closed as the idle timeout closes it (close_notify, then FIN), one in the middle of a request
is answered first; the process exits once every connection has ended, or after DRAIN_SECONDS. A hard stop (a broken
server's) resets every connection where it stands, mid-request too, and goes on accepting for ACCEPTS_ON_SECONDS,
resetting each newcomer, before it exits.

The signal reaches each connection's thread through a pipe that turns readable for good once written: a thread that
waits for its client's bytes waits on both (select), none polls. The handler raises in the main thread, which waits
in accept(): PEP 475 would retry it after a handler that returns.
"""

import os
import select
import signal
import socket
import ssl
import struct
import threading
import time

# Longer than any answer here takes; the suite's teardown kills a server 2 s after its SIGTERM anyway.
DRAIN_SECONDS = 1.0
# Longer than the tests' stop grace (0.5 s): the hard stop outlives it; it cannot exit sooner than this after the
# signal.
ACCEPTS_ON_SECONDS = 0.75


class Stopping(Exception):
    """SIGTERM came: raised by the handler in the main thread, out of accept()."""


class Abandoned(Exception):
    """The hard stop reset this connection: nothing is left to do on it."""


def reset(connection: socket.socket) -> None:
    """RST instead of FIN (SO_LINGER 0), without close_notify; a reset discards what is still unsent."""
    connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    connection.close()


class Stop:
    """The stop signal as every thread of the server sees it."""

    def __init__(self) -> None:
        self._read, self._write = os.pipe()
        self.hard = False

    def install(self, hard: bool) -> None:
        self.hard = hard
        signal.signal(signal.SIGTERM, self._signalled)

    def _signalled(self, signum: int, frame: object) -> None:
        if not self.requested:  # the suite's teardown signals the group, then each process: once is enough
            os.write(self._write, b"!")
            raise Stopping

    @property
    def requested(self) -> bool:
        return bool(select.select([self._read], [], [], 0)[0])

    def readable(self, connection: socket.socket, timeout: float, busy: bool) -> bool:
        """Wait until `connection` has bytes to read (True), or `timeout` passes or the stop comes (False); a
        graceful stop waits on for a `busy` connection (a request begun: it is answered first), a hard one resets
        any connection (raises Abandoned)."""
        if isinstance(connection, ssl.SSLSocket) and connection.pending():
            return True
        watched = [connection] if busy and not self.hard else [connection, self._read]
        ready = select.select(watched, [], [], timeout)[0]
        if self.hard and self._read in ready:
            reset(connection)
            raise Abandoned
        return connection in ready

    def finish(self, listen_socket: socket.socket) -> None:
        """After the signal: accept on for a while if the stop is hard, then close the listening socket and wait
        (bounded) for the connections' threads to end."""
        deadline = time.monotonic() + ACCEPTS_ON_SECONDS
        while self.hard and (left := deadline - time.monotonic()) > 0:
            listen_socket.settimeout(left)
            try:
                reset(listen_socket.accept()[0])
            except TimeoutError:
                break
        listen_socket.close()
        deadline = time.monotonic() + DRAIN_SECONDS
        for thread in threading.enumerate():
            if thread is not threading.current_thread():
                thread.join(max(0.0, deadline - time.monotonic()))


STOP = Stop()
