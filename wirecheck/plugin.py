"""The pytest side of wirecheck: options, the `wire` fixture, the contract gate, report header and summary.

Every option (wirecheck.settings) has one help text, used for the command-line flag and
the ini key alike; the settings in force are printed in the report header. The `wire`
fixture starts a capture and a server, hands out observations, turns verdicts into
failures that show the conversation, and at teardown ends the server's whole tree,
saves the annotated capture under captures/<test module>/<test name>.pcapng and hands
it to tshark to confirm what the suite saw (in batches, wirecheck.tshark_batch). With
--server, only the tests marked `contract` run, against that command, and a table of
the contract's properties ends the run.
"""

import argparse
import re
import shlex
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from wirecheck import phases_plugin, tshark, tshark_batch
from wirecheck.capture import CaptureError, can_capture
from wirecheck.flows import Connection
from wirecheck.privileges import ServerUser, choose_server_user
from wirecheck.procs import ServerFailed, ServerProcess, become_subreaper
from wirecheck.report import ladder
from wirecheck.session import REPO_ROOT, Observation, WireSession, free_port, variant_command, with_port
from wirecheck.settings import DEFAULT_CONTRACT_SERVER, OPTIONS, Settings
from wirecheck.verdicts import Verdict

_SETTINGS = pytest.StashKey[Settings]()
_SERVER = pytest.StashKey[ServerProcess]()
_CAPTURE_PATH = pytest.StashKey[Path]()
_DESELECTED = pytest.StashKey[int]()
_SERVER_USER = pytest.StashKey[ServerUser]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("wirecheck", "packet-level checks on the loopback wire")
    for option in OPTIONS:
        group.addoption("--" + option.name.replace("_", "-"), type=option.check, default=None,
                        help=option.help % {"default": option.default or "none"})
        parser.addini(option.name, option.help % {"default": option.default or "none"}, default=option.default)


def _value(config: pytest.Config, option) -> object:
    """The command-line value if given, else the ini value, checked like the command line."""
    value = config.getoption(option.name)
    if value is not None:
        return value
    raw = config.getini(option.name)
    try:
        return option.check(raw) if raw else raw  # an empty ini value means "not set" (pcap_dir, server)
    except argparse.ArgumentTypeError as error:
        raise pytest.UsageError(f"ini option {option.name}: {error}") from None


def pytest_configure(config: pytest.Config) -> None:
    become_subreaper()
    config.addinivalue_line("markers", "contract(property): a property of the contract of a well-behaved server; "
                                       "with --server, only these tests run")
    values = {option.name: _value(config, option) for option in OPTIONS}
    settings = Settings.from_values(values, config.rootpath)
    _check_writable(settings.pcap_dir)
    config.stash[_SETTINGS] = settings
    try:
        config.stash[_SERVER_USER] = choose_server_user(settings.server_user, REPO_ROOT)
    except ValueError as error:
        raise pytest.UsageError(str(error)) from None
    tshark_batch.register(config)
    phases_plugin.register(config)
    config.pluginmanager.register(ContractSummary(f"--server {settings.server!r}" if settings.server
                                                  else f"the article's {DEFAULT_CONTRACT_SERVER}"))


def _check_writable(directory: Path) -> None:
    try:
        directory.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryFile(dir=directory).close()
    except OSError as error:
        raise pytest.UsageError(f"--pcap-dir {directory}: cannot write captures there ({error.strerror})") from None


def pytest_sessionstart(session: pytest.Session) -> None:
    """With --server, try the command once before any test, so that a bad one is one clear error."""
    settings = session.config.stash[_SETTINGS]
    if not settings.server or hasattr(session.config, "workerinput"):  # xdist workers: the controller checked
        return
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="wirecheck-preflight-") as scratch:
        server = ServerProcess(with_port(shlex.split(settings.server), port), Path(scratch) / "server.log",
                               cwd=REPO_ROOT, user=session.config.stash[_SERVER_USER].name)
        try:
            server.start()
            server.wait_listening(port, settings.listen_timeout)
        except ServerFailed as error:
            raise pytest.UsageError(f"--server {settings.server!r}: {error}") from None
        finally:
            server.stop()


def pytest_report_header(config: pytest.Config) -> list[str]:
    agreement = "on" if tshark.available() else "off (tshark is not installed; bin/setup installs it)"
    return [*config.stash[_SETTINGS].describe(),
            f"wirecheck: sniffing {can_capture() or 'allowed'}; tshark agreement check {agreement}",
            f"wirecheck: {config.stash[_SERVER_USER].reason}"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """With --server, only the contract runs: the tests about the article's servers are deselected, and said so."""
    if not config.stash[_SETTINGS].server:
        return
    article = [item for item in items if item.get_closest_marker("contract") is None]
    if article:
        items[:] = [item for item in items if item.get_closest_marker("contract") is not None]
        config.hook.pytest_deselected(items=article)
        config.stash[_DESELECTED] = len(article)


class Wire:
    """A test's view of the wire: one server, its capture, and checks that show the conversation."""

    def __init__(self, request: pytest.FixtureRequest, log_path: Path) -> None:
        self._request = request
        self._log_path = log_path
        self.settings = request.config.stash[_SETTINGS]
        self.server_user = request.config.stash[_SERVER_USER]
        self.tolerance = self.settings.tolerance
        self.capture_path = (self.settings.pcap_dir / _safe_name(request.node.path.stem)
                             / f"{_safe_name(request.node.name)}.pcapng")
        self.session: WireSession | None = None

    def serve(self, variant: str, delay: float = 0.0, backlog: int | None = None,
              open_files_limit: int | None = None) -> WireSession:
        """Start capturing, then start the article's `variant`; return once it listens."""
        return self.serve_command(variant_command(variant, delay, backlog), open_files_limit)

    def serve_contract(self) -> WireSession:
        """Start the server under contract: --server's command, or the article's correct server."""
        if self.settings.server:
            return self.serve_command(shlex.split(self.settings.server))
        return self.serve(DEFAULT_CONTRACT_SERVER)

    def serve_command(self, argv: list[str], open_files_limit: int | None = None) -> WireSession:
        """Start capturing, then start `argv` ("{port}" is replaced); return once it listens."""
        assert self.session is None, "one server per test"
        self.session = WireSession(argv, self._log_path, open_files_limit, self.settings.listen_timeout,
                                   self.server_user.name)
        self._request.node.stash[_SERVER] = self.session.server
        self._request.node.stash[_CAPTURE_PATH] = self.capture_path
        try:
            self.session.start()
        except (ServerFailed, CaptureError) as error:
            pytest.fail(str(error), pytrace=False)
        return self.session

    def observe(self) -> Observation:
        """The finished capture; a capture that lost frames fails the test instead of being analysed."""
        observation = self.session.observe()
        if observation.capture.loss:
            pytest.fail(f"incomplete capture: {observation.capture.loss}", pytrace=False)
        return observation

    def connections(self, count: int) -> list[Connection]:
        """The observed connections, failing unless there are exactly `count`."""
        __tracebackhide__ = True
        found = self.observe().connections
        if len(found) != count:
            pictures = "\n\n".join(ladder(c) for c in found) or "(no TCP frames on the server's port)"
            pytest.fail(f"expected {count} connection(s) on port {self.session.port}, saw {len(found)}\n\n{pictures}",
                        pytrace=False)
        return found

    def expect(self, verdict: Verdict, connection: Connection) -> None:
        """Annotate the frames the verdict looked at; fail with the ladder if it found problems."""
        __tracebackhide__ = True
        for segment, text in verdict.notes:
            self.session.note(segment, text)
        for problem in verdict.problems:
            if problem.segment is not None:
                self.session.note(problem.segment, f"FAILED: {problem.message}")
        if verdict.problems:
            marks = {s.index: text for s, text in verdict.notes}
            marks.update({p.segment.index: "!! " + p.message for p in verdict.problems if p.segment is not None})
            reasons = "\n".join(f"- {p.message}" for p in verdict.problems)
            pytest.fail(f"{reasons}\n\n{ladder(connection, marks)}\n\ncapture: {self.capture_path}", pytrace=False)

    def save(self) -> Path:
        """Write the capture with its annotations so far (teardown writes it again, complete)."""
        self.session.save(self.capture_path)
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
            tshark_batch.check_later(self._request.config, self._request.node.nodeid,
                                     tshark.expectations(self.capture_path, observation, self.session.port,
                                                         self.session.notes))


def _safe_name(name: str) -> str:
    """A file name from a test name: parametrize ids may hold any character."""
    return re.sub(r"[^\w.-]+", "_", name).strip("_")[:150] or "unnamed"


@pytest.fixture
def wire(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Wire]:
    """Capture the loopback wire around one server; saved as pcapng at the end."""
    reason = can_capture()
    if reason:
        pytest.skip(reason)
    wire = Wire(request, tmp_path / "server.log")
    yield wire
    wire.finish()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    if report.failed and _SERVER in item.stash:
        report.sections.append(("wirecheck server output", item.stash[_SERVER].output() or "(none)"))
        report.sections.append(("wirecheck capture", str(item.stash[_CAPTURE_PATH])))
    marker = item.get_closest_marker("contract")
    if marker is not None:
        report.user_properties.append(("contract", marker.args[0]))
    return report


class ContractSummary:
    """Collects each contract property's outcome (xdist workers' reports arrive here too) for the closing table."""

    def __init__(self, server: str) -> None:
        self.server = server
        self.results: dict[str, str] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        prop = dict(report.user_properties).get("contract")
        if prop is None or (report.when != "call" and not (report.failed or report.skipped)):
            return
        if report.failed:
            if not self.results.get(prop, "").startswith("FAILED"):
                self.results[prop] = "FAILED: " + _first_line(report.longreprtext)
        else:
            self.results.setdefault(prop, "passed" if report.passed else "skipped")

    def pytest_terminal_summary(self, terminalreporter, config: pytest.Config) -> None:
        if config.stash[_SETTINGS].server:  # under xdist the workers deselect, so the count may be unknown here
            count = f"{config.stash[_DESELECTED]} " if _DESELECTED in config.stash else ""
            terminalreporter.write_line(f"wirecheck: --server runs only the contract tests; {count}tests about "
                                        "the article's servers were not run")
        if self.results:
            terminalreporter.section(f"wirecheck contract: {self.server}")
            for prop in sorted(self.results):
                terminalreporter.write_line(f"{prop:<44} {self.results[prop]}")


def _first_line(text: str) -> str:
    """The reason a test failed, in one line: the first "expected ..." of the error (pytest's E lines),
    else of the message, else the report's last line."""
    found = (re.search(r"^E\s+(?:AssertionError: )?(expected\b.*)$", text, re.MULTILINE)
             or re.search(r"^-? ?(expected\b.*)$", text, re.MULTILINE))
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return (found.group(1) if found else lines[-1] if lines else "")[:160]
