"""One observed run: a capture on a free loopback port, a server on that port, the analysis.

    session = WireSession(variant_command("forking", delay=0), log_path)
    session.start()            # capture ready, then the server, listening
    ...drive clients...
    observation = session.observe()   # drain and stop the capture, analyse
    session.close()            # end the server's whole tree (idempotent)
"""

import random
import socket
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from wirecheck import pcapng, phases
from wirecheck.capture import CaptureResult, LoopbackCapture
from wirecheck.flows import Connection, connections
from wirecheck.frames import Segment, decode_all
from wirecheck.procs import ServerProcess
from wirecheck.registry import server

REPO_ROOT = Path(__file__).resolve().parent.parent
LISTEN_TIMEOUT_SECONDS = 10.0
PORT_PLACEHOLDER = "{port}"
EPHEMERAL_RANGE = "/proc/sys/net/ipv4/ip_local_port_range"
FIRST_SERVER_PORT = 10000  # below: well-known and registered services people run
PORT_TRIES = 100


def variant_command(variant: str, delay: float = 0.0, backlog: int | None = None) -> list[str]:
    """The command line that runs the article's server `variant` on the port the session picks (any cwd)."""
    # -u, whatever the environment says: the servers print from their SIGCHLD handlers, and a handler that prints
    # while the loop prints to a buffered stdout crashes the server ("reentrant call inside BufferedWriter").
    # -I -S: they need the standard library alone; skipping site saves a sixth of each start's CPU.
    command = [sys.executable, "-u", "-I", "-S", str(server(variant).path), "--port", PORT_PLACEHOLDER,
               "--delay", f"{delay:g}"]
    return command + (["--backlog", str(backlog)] if backlog is not None else [])


def with_port(argv: list[str], port: int) -> list[str]:
    """`argv` with "{port}" replaced by `port`."""
    return [arg.replace(PORT_PLACEHOLDER, str(port)) for arg in argv]


def free_port() -> int:
    """A free loopback port below the ephemeral range, so that no client's source port (a burst
    opens hundreds) can take it between this choice and the server's bind; reserved for this process
    until release_port(), so that no other test process (an xdist worker, a nested run) picks it too."""
    low = int(Path(EPHEMERAL_RANGE).read_text().split()[0])
    for port in random.sample(range(FIRST_SERVER_PORT, low), k=min(PORT_TRIES, low - FIRST_SERVER_PORT)):
        if not _reserve(port):
            continue
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers bind
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                release_port(port)
                continue
            return port
    raise OSError(f"no free port in {FIRST_SERVER_PORT}-{low - 1}")


def _reserve(port: int) -> bool:
    """Hold a name in Linux's abstract socket namespace for `port`: one process at a time can, and the kernel
    lets go of it when the process ends, however it ends. No file is left anywhere."""
    lock = socket.socket(socket.AF_UNIX)
    try:
        lock.bind(f"\0wirecheck-port-{port}")
    except OSError:
        lock.close()
        return False
    _reserved[port] = lock
    return True


def release_port(port: int) -> None:
    lock = _reserved.pop(port, None)
    if lock is not None:
        lock.close()


_reserved: dict[int, socket.socket] = {}


@dataclass(frozen=True)
class Observation:
    """A finished capture and what it shows."""

    capture: CaptureResult
    segments: list[Segment]
    connections: list[Connection]


class WireSession:
    """A server under observation; `argv` may contain "{port}", replaced by the chosen port."""

    def __init__(self, argv: list[str], log_path: Path, open_files_limit: int | None = None,
                 listen_timeout: float = LISTEN_TIMEOUT_SECONDS, user: str | None = None,
                 cwd: Path = REPO_ROOT) -> None:
        self.port = free_port()
        self.capture = LoopbackCapture(self.port)
        self.server = ServerProcess(with_port(argv, self.port), log_path, cwd=cwd,
                                    open_files_limit=open_files_limit, user=user)
        self.listen_timeout = listen_timeout
        self.observation: Observation | None = None
        self.notes: dict[int, list[str]] = defaultdict(list)

    def url(self, path: str = "/hello") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self) -> None:
        """Capture first, so the server's first frame is seen; then wait for its LISTEN socket."""
        with phases.timed("capture start"):
            self.capture.start()
        try:
            with phases.timed("server start"):
                self.server.start()
                self.server.wait_listening(self.port, self.listen_timeout)
        except BaseException:
            self.close()
            raise

    def observe(self) -> Observation:
        """Stop the capture (draining it) and analyse it; later calls return the same observation."""
        if self.observation is None:
            with phases.timed("capture stop (drain)"):
                result = self.capture.stop()
            with phases.timed("analysis"):
                segments = decode_all(result.frames)
                self.observation = Observation(result, segments, connections(segments, self.port))
        return self.observation

    def note(self, segment: Segment, text: str) -> None:
        """Attach `text` to `segment`'s frame in the saved capture."""
        if text not in self.notes[segment.index]:
            self.notes[segment.index].append(text)

    def close(self) -> None:
        """End the server and the capture, whatever state they are in."""
        try:
            with phases.timed("server stop"):
                self.server.stop()
        finally:
            try:
                if self.capture.running:
                    self.observe()
            finally:
                release_port(self.port)

    def save(self, path: Path) -> None:
        frames = self.observe().capture.frames
        with phases.timed("pcapng writing"):
            pcapng.write(path, frames, self.notes)
