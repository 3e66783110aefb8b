"""The `wire` fixture's object: one server, its capture, and verdicts that fail with the conversation.

A test serves a server (an article variant, or the command under contract), drives
clients, then asks for the connections the capture saw and hands verdicts to
`expect`. Each verdict's notes annotate the capture; its problems and figures go into
the test's record (wirecheck.plugin._results), and problems fail the test with expected against
actual and the ladder of every connection they are about. At teardown the server's
whole tree is ended, the annotated capture is saved and handed to tshark's batch check.
"""

import re
import shlex
from pathlib import Path

import pytest

from wirecheck.article._registry import variant_command
from wirecheck.capture._loopback import CaptureError
from wirecheck.checks._verdict import Problem, Verdict
from wirecheck.model._flows import Connection
from wirecheck.plugin import _tshark_reports as tshark_reports
from wirecheck.plugin._results import ProblemRecord, TestRecord
from wirecheck.plugin._settings import DEFAULT_CONTRACT_SERVER, Settings
from wirecheck.render._ladder import ladder
from wirecheck.server._privileges import ServerUser
from wirecheck.server._process import ServerFailed
from wirecheck.server._session import Observation, WireSession
from wirecheck.server._tls import TlsFiles
from wirecheck.tshark import _check as tshark


class Wire:
    """A test's view of the wire: one server, its capture, and checks that show the conversation."""

    def __init__(self, node: pytest.Item, settings: Settings, server_user: ServerUser, log_path: Path,
                 record: TestRecord, tls: TlsFiles | None = None) -> None:
        self.settings = settings
        self.server_user = server_user
        self.tolerance = settings.tolerance
        self.capture_path = settings.pcap_dir / _safe_name(node.path.stem) / f"{_safe_name(node.name)}.pcapng"
        self.record = record
        self._node = node
        self._log_path = log_path
        self._invocation_dir = node.config.invocation_params.dir
        self.session: WireSession | None = None
        self._tls = tls  # with --wire-tls: every server this test serves speaks HTTPS, its clients TLS

    def serve(self, variant: str, *, delay: float = 0.0, backlog: int | None = None,
              open_files_limit: int | None = None) -> WireSession:
        """Start capturing, then start the article's `variant`; return once it listens."""
        return self.serve_command(variant_command(variant, delay, backlog), open_files_limit=open_files_limit)

    def serve_contract(self, *, open_files_limit: int | None = None) -> WireSession:
        """Start the server under contract: --wire-server's command, or the reference server; with
        `open_files_limit`, under that RLIMIT_NOFILE."""
        if self.settings.server:  # serve_command runs it where the user typed it: ./their-server resolves
            return self.serve_command(shlex.split(self.settings.server), open_files_limit=open_files_limit)
        return self.serve(DEFAULT_CONTRACT_SERVER, open_files_limit=open_files_limit)

    def serve_command(self, argv: list[str], *, open_files_limit: int | None = None,
                      cwd: Path | None = None, tls: TlsFiles | None = None) -> WireSession:
        """Start capturing, then start `argv` ("{port}" is replaced) in `cwd`; return once it listens. By default
        it runs where pytest was started, so that `./my-server` and the server's relative paths resolve as they do
        for the person who typed `pytest`. With `tls` (else the run's --wire-tls files), the server speaks HTTPS
        with those files ("{cert}", "{key}", "{ca}" are replaced) and the clients TLS."""
        assert self.session is None, "one server per test"
        self.session = WireSession(argv, self._log_path, open_files_limit, self.settings.listen_timeout,
                                   self.server_user.name, self._invocation_dir if cwd is None else cwd,
                                   tls or self._tls)
        self.record.capture = str(self.capture_path)
        try:
            self.session.start()
        except (ServerFailed, CaptureError) as error:
            pytest.fail(str(error), pytrace=False)
        return self.session

    def observe(self) -> Observation:
        """The finished capture; a capture that lost frames fails the test instead of being analysed."""
        __tracebackhide__ = True
        observation = self._served().observe()
        if observation.capture.loss:
            self._fail([Problem("incomplete-capture", f"incomplete capture: {observation.capture.loss}")])
        return observation

    def connections(self, count: int) -> list[Connection]:
        """The observed connections, failing unless there are exactly `count`."""
        __tracebackhide__ = True
        found = self.observe().connections
        if len(found) != count:
            pictures = "\n\n".join(ladder(c) for c in found) or "(no TCP frames on the server's port)"
            self._fail([Problem("connection-count", f"expected {count} connection(s) on port {self._served().port}, "
                                                    f"saw {len(found)}")], pictures)
        return found

    def expect(self, verdict: Verdict) -> None:
        """Annotate the frames the verdict looked at and keep its figures; fail with the ladder of every
        connection a problem is about."""
        __tracebackhide__ = True
        session = self._served()
        for segment, text in verdict.notes:
            session.note(segment, text)
        self.record.figures.update(verdict.figures)
        if not verdict.problems:
            return
        for problem in verdict.problems:
            if problem.segment is not None:
                session.note(problem.segment, f"FAILED: {problem.message}")
        marks = {s.index: text for s, text in verdict.notes}
        marks.update({p.segment.index: "!! " + p.message for p in verdict.problems if p.segment is not None})
        shown = list({id(p.connection): p.connection for p in verdict.problems if p.connection is not None}.values())
        self._fail(verdict.problems, "\n\n".join(ladder(c, marks) for c in shown))

    def _served(self) -> WireSession:
        """The session of the server this test started; a clear error before one was."""
        if self.session is None:
            raise RuntimeError("no server yet: start one with wire.serve_command(argv) first")
        return self.session

    def _fail(self, problems: list[Problem], pictures: str = "") -> None:
        __tracebackhide__ = True
        self.record.problems += [ProblemRecord.of(p) for p in problems]
        reasons = "\n".join(f"- {p.message}" for p in problems)
        pytest.fail(f"{reasons}\n\n{pictures}\n\ncapture: {self.capture_path}" if pictures else reasons,
                    pytrace=False)

    def save(self) -> Path:
        """Write the capture with its annotations so far (teardown writes it again, complete)."""
        self._served().save(self.capture_path)
        return self.capture_path

    def finish(self) -> None:
        """End the server, save the capture, and hand it to tshark's batch check (which fails the run if
        tshark reads it otherwise than the suite did)."""
        if self.session is None:
            return
        try:
            self.session.close()
        finally:
            self.save()
        observation = self.session.observe()
        if tshark.available() and not observation.capture.loss:
            tshark_reports.check_later(self._node, tshark.expectations(self.capture_path, observation,
                                                                     self.session.port, self.session.notes))


def _safe_name(name: str) -> str:
    """A file name from a test name: parametrize ids may hold any character."""
    return re.sub(r"[^\w.-]+", "_", name).strip("_")[:150] or "unnamed"
