"""--wire-html-report FILE: a pytest run, the gate's included, as one self-contained HTML page (html_report).

Theory of operation. The page is drawn from the run model only: every report of a test
carries its record (wirecheck.plugin._results: problems with kind, message, connection and
frame number, figures, the capture's path), and the saved capture carries the notes as
pcapng comments. No failure text is parsed. The record rides on each phase's report and
the teardown's comes last, with the final record: teardown saves the whole capture.
Under pytest-xdist the reports reach the controller, which writes the page at the end of
the session: a worker sends a test's teardown report only after that teardown has saved
the capture, and the controller's session ends once every worker has finished, so every
capture is whole when the page reads it.

Outcomes are read as pytest words ("passed", "failed", "skipped", "error" for a failed
setup or teardown), whatever they are: a word this module does not know is shown as it is.
"""

import shlex
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from wirecheck._option_names import flag
from wirecheck.checks._categories import wording
from wirecheck.checks._timing import seconds
from wirecheck.contract._properties import BY_KEY, PROPERTIES, numbered
from wirecheck.plugin._results import ProblemRecord, TestRecord, record_of
from wirecheck.plugin._settings import Settings
from wirecheck.render import _html_page as html_report

CRASH_CHARACTERS = 300  # pytest's one-line reason for a test that failed without a problem of the wire


def register(config: pytest.Config, settings: Settings) -> None:
    """Write the page at the end of the run when --wire-html-report asks for it; xdist workers leave it to the
    controller."""
    if settings.html_report and not hasattr(config, "workerinput"):
        page = config.invocation_params.dir / settings.html_report
        try:  # said before the run, not after it
            page.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise pytest.UsageError(f"{flag('html_report')} {settings.html_report}: cannot write there "
                                    f"({error.strerror})") from None
        if page.is_dir():
            raise pytest.UsageError(f"{flag('html_report')} {settings.html_report}: is a directory; name the page's "
                                    "file")
        config.pluginmanager.register(HtmlRun(settings, config.invocation_params), "wirecheck-html-run")


@dataclass
class _Test:
    """What the reports of one test said: its outcome, its latest record, its contract property."""

    nodeid: str
    outcome: str = "not run"
    record: TestRecord | None = None
    contract: str | None = None
    crashes: list[str] = field(default_factory=list)

    def read(self, report: pytest.TestReport) -> None:
        self.record = record_of(report) or self.record
        self.contract = dict(report.user_properties).get("contract", self.contract)
        if report.when == "call":
            self.outcome = report.outcome
        elif report.failed and self.outcome in ("not run", "passed"):
            self.outcome = "error"
        elif report.skipped:
            self.outcome = report.outcome
        crash = getattr(report.longrepr, "reprcrash", None)
        if report.failed and crash is not None:
            self.crashes.append(crash.message.splitlines()[0][:CRASH_CHARACTERS])

    @property
    def order(self) -> tuple[int, str]:
        return (PROPERTIES.index(BY_KEY[self.contract]) if self.contract in BY_KEY else len(PROPERTIES), self.nodeid)


class HtmlRun:
    """Collects each test's reports (xdist workers' too) and writes the page when the session ends."""

    def __init__(self, settings: Settings, invocation: pytest.Config.InvocationParams) -> None:
        self.settings = settings
        self.directory = invocation.dir  # relative paths (the page, the captures) are the command line's
        self.command = shlex.join(["pytest", *invocation.args])
        self.tests: dict[str, _Test] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.tests.setdefault(report.nodeid, _Test(report.nodeid)).read(report)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        path = self.directory / self.settings.html_report
        html_report.write(self.page(), path)

    @pytest.hookimpl(trylast=True)
    def pytest_terminal_summary(self, terminalreporter) -> None:
        terminalreporter.write_line(f"wirecheck: HTML report {self.settings.html_report}")

    def page(self) -> html_report.Page:
        tests = sorted(self.tests.values(), key=lambda test: test.order)
        contract = bool(tests) and all(test.contract for test in tests)
        columns, rows = _contract_table(tests) if contract else _test_table(tests)
        drawn = [test for test in tests if test.record is not None]
        sections = [self._section(test) for test in sorted(drawn, key=lambda test: test.outcome == "passed")]
        settings = [("command", self.command),
                    *(line.partition(": ")[::2] for line in self.settings.describe())]
        title = (f"wirecheck contract: {flag('server')} {self.settings.server}" if self.settings.server
                 else "wirecheck contract" if contract else "wirecheck run")
        return html_report.Page(title, settings, columns, rows, sections)

    def _section(self, test: _Test) -> html_report.Section:
        record = test.record
        at = {problem.frame - 1: problem.message for problem in record.problems if problem.frame}  # frame indexes
        facts = [("test", test.nodeid)]
        if test.contract in BY_KEY:
            prop = BY_KEY[test.contract]
            facts.append(("property", f"{numbered(prop.key)} ({prop.level}; {prop.source})"))
        if record.figures:
            facts.append(("figures", _figures(record.figures)))
        capture = Path(record.capture) if record.capture else None
        return html_report.Section(
            title=test.nodeid.rsplit("::", 1)[-1], outcome=test.outcome,
            message="\n".join([_problem(problem) for problem in record.problems] or test.crashes),
            capture=self.directory / capture if capture else None, marks=at, failed=frozenset(at), facts=facts)


def _problem(problem: ProblemRecord) -> str:
    """"[kind] expected ..., happened ... (client -> server, frame N)", as much of it as the problem has."""
    where = ", ".join(filter(None, (problem.connection, f"frame {problem.frame}" if problem.frame else "")))
    return f"[{problem.kind}] {problem.message}" + (f" ({where})" if where else "")


def _contract_table(tests: list[_Test]) -> tuple[list[str], list[list[str]]]:
    """One row per property run: its level and source, the outcomes of its tests, their problems and figures."""
    rows = []
    for prop in PROPERTIES:
        mine = [test for test in tests if test.contract == prop.key]
        if mine:
            records = [test.record for test in mine if test.record is not None]
            rows.append([numbered(prop.key), prop.level, prop.source, _outcomes(mine),
                         " ".join(dict.fromkeys(kind for record in records for kind in record.kinds)),
                         _figures({name: value for record in records for name, value in record.figures.items()})])
    return ["property", "level", "source", "outcome", "problems", "figures"], rows


def _test_table(tests: list[_Test]) -> tuple[list[str], list[list[str]]]:
    rows = [[test.nodeid, test.outcome, " ".join(test.record.kinds) if test.record else "",
             _figures(test.record.figures) if test.record else ""] for test in tests]
    return ["test", "outcome", "problems", "figures"], rows


def _outcomes(tests: list[_Test]) -> str:
    """"passed" when all agree, else each outcome with its count, e.g. "1 failed, 4 passed"."""
    counts = Counter(test.outcome for test in tests)
    return next(iter(counts)) if len(counts) == 1 else ", ".join(f"{n} {word}" for word, n in counts.most_common())


def _figures(figures: dict[str, float | int | str]) -> str:
    """Timings (floats, in seconds) and categories for people; counts as they are."""
    return "; ".join(f"{name} {_shown(value)}" for name, value in figures.items())


def _shown(value: float | int | str) -> str:
    return seconds(value) if isinstance(value, float) else wording(value) if isinstance(value, str) else str(value)
