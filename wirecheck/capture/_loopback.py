"""Sniff one TCP port on the loopback interface, completely or say what was lost.

Theory of operation. A raw AF_PACKET socket sees every loopback frame twice: the
kernel's outgoing copy and the incoming one. We keep the incoming copy only, which
is what tcpdump shows. The socket is created deaf (protocol 0), gets its BPF filter
("tcp port P", wirecheck.capture._bpf: no libpcap needed), and only then is bound to ``lo`` for all
protocols, so no unfiltered frame slips in; it is ready when ``start()`` returns.
A reader thread empties it into a list of raw frames, timestamped by the kernel
(SO_TIMESTAMPNS). A large receive buffer (SO_RCVBUFFORCE, root only) absorbs bursts.

Stopping must not throw queued frames away: the reader keeps reading until the
socket has been quiet for ``QUIET_SECONDS``. Then a reject-all filter closes the
gate, the queue is emptied, and the kernel's counters (PACKET_STATISTICS) are read:
every frame the kernel delivered must have been read, and none may have been
dropped. ``CaptureResult.loss`` says in words when that is not so.
"""

import functools
import select
import signal
import socket
import struct
import threading
import time
from dataclasses import dataclass

from wirecheck.capture._bpf import RET_K, attach, tcp_port_program
from wirecheck.model._frames import Frame

INTERFACE = "lo"
RECEIVE_BUFFER_BYTES = 256 * 1024 * 1024  # holds a 10,000-connection burst while the reader catches up
QUIET_SECONDS = 0.05  # a drain ends after this long without a frame
DRAIN_LIMIT_SECONDS = 5.0  # a drain never outlasts this, even if the traffic never stops
MAX_FRAME_BYTES = 262144  # loopback GSO frames can exceed the 64 KiB MTU

ETH_P_ALL = 0x0003
SOL_PACKET = 263
PACKET_STATISTICS = 6
PACKET_OUTGOING = 4
SO_TIMESTAMPNS = 35
SO_RCVBUFFORCE = 33
_TIMESPEC = struct.Struct("@qq")
_PROCESS_SIGNALS = {signal.SIGINT, signal.SIGTERM, signal.SIGALRM, signal.SIGCHLD}
_STATISTICS = struct.Struct("@II")


class CaptureError(Exception):
    """The capture could not start: no permission, no interface, or a bad filter."""


@dataclass(frozen=True)
class CaptureResult:
    """What one capture kept, and the kernel's word on whether that is everything."""

    frames: list[Frame]
    frames_read: int  # both loopback copies, as the kernel counts them
    kernel_delivered: int
    kernel_dropped: int

    @property
    def loss(self) -> str | None:
        """Why the capture is incomplete, or None when it holds every frame."""
        unread = self.kernel_delivered - self.frames_read
        if self.kernel_dropped:
            return (f"the kernel dropped {self.kernel_dropped} of {self.kernel_delivered + self.kernel_dropped} "
                    "frames (receive buffer full): conclusions from this capture would be false")
        if unread > 0:
            return f"{unread} frames delivered by the kernel were never read from the socket"
        return None


@functools.cache  # a process's right to sniff does not change while it runs; every test asks
def can_capture() -> str | None:
    """None when this process may sniff; otherwise the reason, naming the fix."""
    try:
        socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0).close()
    except PermissionError:
        return ("sniffing the loopback interface needs root or CAP_NET_RAW: run with sudo, or "
                "`sudo setcap cap_net_raw,cap_net_admin+eip $(readlink -f .venv/bin/python)`")
    return None


class LoopbackCapture:
    """Captures the TCP frames to and from `port` on the loopback interface."""

    def __init__(self, port: int, interface: str = INTERFACE) -> None:
        self.port = port
        self.interface = interface
        self.frames: list[Frame] = []
        self._frames_read = 0
        self._stopping = threading.Event()
        self._socket: socket.socket | None = None
        self._reader: threading.Thread | None = None
        self._buffer = bytearray(MAX_FRAME_BYTES)
        self._ancillary_size = socket.CMSG_SPACE(_TIMESPEC.size)

    def start(self) -> None:
        """Open the socket with its filter attached; frames are queued from the moment this returns."""
        try:
            sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
        except PermissionError as error:
            raise CaptureError(can_capture()) from error
        try:
            attach(sock, tcp_port_program(self.port))
            sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
            _enlarge_receive_buffer(sock)
            sock.bind((self.interface, ETH_P_ALL))
        except Exception as error:
            sock.close()
            raise CaptureError(f"cannot capture on {self.interface!r}: {error}") from error
        _read_statistics(sock)  # the counters reset on each read: start from zero
        sock.setblocking(False)
        self._socket = sock
        self._reader = threading.Thread(target=self._read_until_stopped_and_quiet,
                                        name=f"wirecheck-capture-{self.port}", daemon=True)
        self._reader.start()

    def stop(self) -> CaptureResult:
        """Drain until quiet, close the gate, count, close the socket."""
        if self._socket is None:  # never started (start() failed): nothing was captured
            return CaptureResult([], 0, 0, 0)
        self._stopping.set()
        self._reader.join()
        sock, self._socket = self._socket, None
        try:
            _reject_all(sock)
            self._read_available(sock)
            delivered, dropped = _read_statistics(sock)
        finally:
            sock.close()
        return CaptureResult(list(self.frames), self._frames_read, delivered, dropped)

    @property
    def running(self) -> bool:
        return self._socket is not None

    def _read_until_stopped_and_quiet(self) -> None:
        leave_signals_to_the_main_thread()
        poller = select.poll()
        poller.register(self._socket, select.POLLIN)
        drain_deadline = None
        while True:
            if poller.poll(QUIET_SECONDS * 1000):
                self._read_available(self._socket)
            elif self._stopping.is_set():
                return
            if self._stopping.is_set():
                drain_deadline = drain_deadline or time.monotonic() + DRAIN_LIMIT_SECONDS
                if time.monotonic() > drain_deadline:
                    return

    def _read_available(self, sock: socket.socket) -> None:
        buffer, frames = self._buffer, self.frames
        while True:
            try:
                size, ancillary, _flags, address = sock.recvmsg_into([buffer], self._ancillary_size)
            except BlockingIOError:
                return
            self._frames_read += 1
            if address[2] == PACKET_OUTGOING:
                continue  # the kernel's outgoing copy of a frame we also see arriving
            seconds, nanoseconds = _TIMESPEC.unpack_from(ancillary[0][2])
            frames.append(Frame(seconds + nanoseconds / 1e9, bytes(buffer[:size])))


def leave_signals_to_the_main_thread() -> None:
    """Block, in the calling thread, the signals meant for the process (Ctrl-C, pytest-timeout's SIGALRM,
    SIGTERM, SIGCHLD): one taken by a helper thread would leave the main thread asleep in a system call."""
    signal.pthread_sigmask(signal.SIG_BLOCK, _PROCESS_SIGNALS)


def _enlarge_receive_buffer(sock: socket.socket) -> None:
    try:
        sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, RECEIVE_BUFFER_BYTES)
    except PermissionError:  # without CAP_NET_ADMIN the kernel caps it at rmem_max
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER_BYTES)


def _reject_all(sock: socket.socket) -> None:
    """Replace the filter by one that accepts nothing, so the queue can only shrink."""
    attach(sock, [(RET_K, 0, 0, 0)])  # keep 0 bytes: drop the frame


def _read_statistics(sock: socket.socket) -> tuple[int, int]:
    """(frames delivered to the socket, frames dropped) since the last call."""
    packets, drops = _STATISTICS.unpack(sock.getsockopt(SOL_PACKET, PACKET_STATISTICS, _STATISTICS.size))
    return packets - drops, drops
