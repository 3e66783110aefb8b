"""The pytest side of wirecheck: options, the `wire` fixture, report header and sections.

Every option has one help text, used for the command-line flag and the ini key alike;
the settings in force are printed in the report header. The `wire` fixture starts a
capture and a server, hands out observations, turns verdicts into failures that show
the conversation, and at teardown ends the server's whole tree and saves the
annotated capture under captures/<test module>/<test name>.pcapng.
"""

import argparse
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from wirecheck.capture import CaptureError, can_capture
from wirecheck.flows import Connection
from wirecheck.procs import ServerFailed, ServerProcess, become_subreaper
from wirecheck.report import ladder
from wirecheck.session import Observation, WireSession, variant_command
from wirecheck.timing import DEFAULT_FLOOR_SECONDS, DEFAULT_FRACTION, Tolerance
from wirecheck.verdicts import Verdict

TOLERANCE_HELP = (f"smallest timing tolerance in seconds; a gap may differ from the expected one by the larger "
                  f"of this and --timing-tolerance-percent of the gap (default {DEFAULT_FLOOR_SECONDS})")
PERCENT_HELP = f"timing tolerance as a percentage of the expected gap (default {DEFAULT_FRACTION * 100:g})"
PCAP_DIR_HELP = "directory for the captures, one pcapng per test (default: captures/ under the rootdir)"

_SETTINGS = pytest.StashKey[tuple[Tolerance, Path]]()
_SERVER_OUTPUT = pytest.StashKey[ServerProcess]()
_CAPTURE_PATH = pytest.StashKey[Path]()


def _non_negative_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 <= value < 60:
        raise argparse.ArgumentTypeError(f"must be between 0 and 60 seconds, not {text}")
    return value


def _percent(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a percentage: {text!r}") from None
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"must be between 0 and 100, not {text}")
    return value


_OPTIONS = (
    ("timing_tolerance", TOLERANCE_HELP, _non_negative_seconds, str(DEFAULT_FLOOR_SECONDS)),
    ("timing_tolerance_percent", PERCENT_HELP, _percent, str(DEFAULT_FRACTION * 100)),
    ("pcap_dir", PCAP_DIR_HELP, str, ""),
)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("wirecheck", "packet-level checks on the loopback wire")
    for name, help_text, convert, default in _OPTIONS:
        group.addoption("--" + name.replace("_", "-"), type=convert, default=None, help=help_text)
        parser.addini(name, help_text, default=default)


def _setting(config: pytest.Config, name: str):
    """The command-line value if given, else the ini value, checked like the command line."""
    value = config.getoption(name)
    if value is not None:
        return value
    _, _, convert, _ = next(option for option in _OPTIONS if option[0] == name)
    try:
        return convert(config.getini(name))
    except argparse.ArgumentTypeError as error:
        raise pytest.UsageError(f"ini option {name}: {error}") from None


def pytest_configure(config: pytest.Config) -> None:
    become_subreaper()
    config.addinivalue_line("markers", "wire: the test captures the loopback wire (needs root or CAP_NET_RAW)")
    tolerance = Tolerance(_setting(config, "timing_tolerance"), _setting(config, "timing_tolerance_percent") / 100)
    pcap_dir = Path(_setting(config, "pcap_dir") or config.rootpath / "captures")
    config.stash[_SETTINGS] = (tolerance, pcap_dir)


def pytest_report_header(config: pytest.Config) -> list[str]:
    tolerance, pcap_dir = config.stash[_SETTINGS]
    sniffing = can_capture() or "allowed"
    return [f"wirecheck: timing tolerance {tolerance}; captures in {pcap_dir}", f"wirecheck: sniffing {sniffing}"]


class Wire:
    """A test's view of the wire: one server, its capture, and checks that show the conversation."""

    def __init__(self, request: pytest.FixtureRequest, log_path: Path) -> None:
        self._request = request
        self._log_path = log_path
        self.tolerance, pcap_dir = request.config.stash[_SETTINGS]
        self.capture_path = pcap_dir / _safe_name(request.node.path.stem) / f"{_safe_name(request.node.name)}.pcapng"
        self.session: WireSession | None = None

    def serve(self, variant: str, delay: float = 0.0, backlog: int | None = None,
              open_files_limit: int | None = None) -> WireSession:
        """Start capturing, then start the article's `variant`; return once it listens."""
        return self.serve_command(variant_command(variant, delay, backlog), open_files_limit)

    def serve_command(self, argv: list[str], open_files_limit: int | None = None) -> WireSession:
        """Start capturing, then start `argv` ("{port}" is replaced); return once it listens."""
        assert self.session is None, "one server per test"
        self.session = WireSession(argv, self._log_path, open_files_limit)
        self._request.node.stash[_SERVER_OUTPUT] = self.session.server
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
            marks = {p.segment.index: "!! " + p.message for p in verdict.problems if p.segment is not None}
            marks = {**{s.index: text for s, text in verdict.notes}, **marks}
            reasons = "\n".join(f"- {p.message}" for p in verdict.problems)
            pytest.fail(f"{reasons}\n\n{ladder(connection, marks)}\n\ncapture: {self.capture_path}", pytrace=False)

    def save(self) -> Path:
        """Write the capture with its annotations so far (teardown writes it again, complete)."""
        self.session.save(self.capture_path)
        return self.capture_path

    def finish(self) -> None:
        if self.session is not None:
            try:
                self.session.close()
            finally:
                self.save()


def _safe_name(name: str) -> str:
    """A file name from a test name: parametrize ids may hold any character."""
    return re.sub(r"[^\w.-]+", "_", name).strip("_")[:150] or "unnamed"


@pytest.fixture
def wire(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Wire]:
    """Capture the loopback wire around one server of the article; saved as pcapng at the end."""
    reason = can_capture()
    if reason:
        pytest.skip(reason)
    wire = Wire(request, tmp_path / "server.log")
    yield wire
    wire.finish()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    if report.failed and _SERVER_OUTPUT in item.stash:
        report.sections.append(("wirecheck server output", item.stash[_SERVER_OUTPUT].output() or "(none)"))
        report.sections.append(("wirecheck capture", str(item.stash[_CAPTURE_PATH])))
    return report
