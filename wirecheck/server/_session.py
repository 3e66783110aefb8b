"""One observed run: a capture on a free loopback port, a server on that port, the analysis.

    session = WireSession(["python3", "my_server.py", "--port", "{port}"], log_path)
    session.start()            # capture ready, then the server, listening
    ...drive clients...
    observation = session.observe()   # drain and stop the capture, analyse
    session.close()            # end the server's whole tree (idempotent)
"""

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from wirecheck import _phases as phases
from wirecheck.capture import _pcapng_writer as pcapng
from wirecheck.capture._loopback import CaptureResult, LoopbackCapture
from wirecheck.model._flows import Connection, connections
from wirecheck.model._frames import Segment, decode_all
from wirecheck.model._tls_keys import KeyLog
from wirecheck.server._dialer import dialer_for
from wirecheck.server._ports import LISTEN_TIMEOUT_SECONDS, free_port, release_port, with_port
from wirecheck.server._process import ServerProcess
from wirecheck.server._tls import TlsFiles, with_files

REPO_ROOT = Path(__file__).resolve().parents[2]  # a clone's root; where a session's server runs by default

@dataclass(frozen=True)
class Observation:
    """A finished capture and what it shows."""

    capture: CaptureResult
    segments: list[Segment]
    connections: list[Connection]
    keylog: KeyLog = field(default_factory=KeyLog)  # over TLS: the session's clients' secrets, which decrypt it


class WireSession:
    """A server under observation; `argv` may contain "{port}", replaced by the chosen port. With `tls`, the server
    speaks HTTPS: "{cert}", "{key}" and "{ca}" are replaced by those files, and the clients' `dialer` speaks TLS,
    its secrets written to the session's own key log."""

    def __init__(self, argv: list[str], log_path: Path, open_files_limit: int | None = None,
                 listen_timeout: float = LISTEN_TIMEOUT_SECONDS, user: str | None = None,
                 cwd: Path = REPO_ROOT, tls: TlsFiles | None = None) -> None:
        self.port = free_port()
        self.capture = LoopbackCapture(self.port)
        self.dialer = dialer_for(self.port, tls)
        self.server = ServerProcess(with_files(with_port(argv, self.port), tls), log_path, cwd=cwd,
                                    open_files_limit=open_files_limit, user=user)
        self.listen_timeout = listen_timeout
        self.observation: Observation | None = None
        self.notes: dict[int, list[str]] = defaultdict(list)

    def url(self, path: str = "/hello") -> str:
        return f"{'https' if self.dialer.tls else 'http'}://127.0.0.1:{self.port}{path}"

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
                keylog = KeyLog(self.dialer.keylog.read_text() if self.dialer.keylog else "")
                self.observation = Observation(result, segments, connections(segments, self.port, keylog), keylog)
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
        """Write the annotated capture; over TLS with the key log lines of its own connections, so that Wireshark
        decrypts it with no key file given."""
        observation = self.observe()
        with phases.timed("pcapng writing"):
            pcapng.write(path, observation.capture.frames, self.notes,
                         observation.keylog.lines_for(c.tls.client_random for c in observation.connections
                                                      if c.tls is not None and c.tls.client_random is not None))
