"""The closing table of a contract run: each property's outcome, read from the run model.

Reports of every test (xdist workers' included) arrive at the controller; each contract
test's report names its property, and its record (wirecheck.plugin._results) names the problems.
"""

from collections.abc import Callable

import pytest

from wirecheck._option_names import flag
from wirecheck.contract._properties import PROPERTIES, numbered
from wirecheck.plugin._levels import is_warning
from wirecheck.plugin._results import record_of

REASON_CHARACTERS = 160  # one line of the closing table


class ContractSummary:
    """Collects each contract property's outcome (xdist workers' reports arrive here too) for the closing table."""

    def __init__(self, server: str, gate: bool, deselected: Callable[[], int | None]) -> None:
        self.server = server
        self.gate = gate  # --wire-server: only the contract runs
        self.deselected = deselected  # how many article tests were left out (unknown under xdist)
        self.results: dict[str, str] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        prop = dict(report.user_properties).get("contract")
        if prop is None or (report.when != "call" and not (report.failed or report.skipped)):
            return
        if report.failed:  # the first failure's reason; a failure outranks a warning
            label = "warn" if is_warning(report) else "FAILED"
            if self.results.get(prop, "passed").split(":")[0] not in ("FAILED", label):
                self.results[prop] = f"{label}: " + _reason(report)
        else:
            self.results.setdefault(prop, "passed" if report.passed else "skipped")

    def pytest_terminal_summary(self, terminalreporter, config: pytest.Config) -> None:
        if self.gate:  # under xdist the workers deselect, so the count may be unknown here
            count = f"{self.deselected()} " if self.deselected() is not None else ""
            terminalreporter.write_line(f"wirecheck: {flag('server')} runs only the contract tests; {count}tests about "
                                        "the article's servers were not run")
        if self.results:
            terminalreporter.section(f"wirecheck contract: {self.server}")
            for prop in (p for p in PROPERTIES if p.key in self.results):
                terminalreporter.write_line(f"{numbered(prop.key):<44} {prop.level:<6} {self.results[prop.key]}")


def _reason(report: pytest.TestReport) -> str:
    """Why a contract test failed, in one line: its first problem's kind and message, from the run model;
    an error that no verdict reported (a crash of the test itself) is named by pytest's crash summary."""
    record = record_of(report)
    if record is not None and record.problems:
        first = record.problems[0]
        return f"[{first.kind}] {first.message}"[:REASON_CHARACTERS]
    crash = getattr(report.longrepr, "reprcrash", None)
    return f"[error] {crash.message if crash else report.outcome}".splitlines()[0][:REASON_CHARACTERS]
