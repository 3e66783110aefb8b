"""Levels: a contract test of a SHOULD property that fails is a warning, unless the run is strict.

The mechanism, and why. The test's report stays a failure: that is what happened, and JUnit
XML keeps the <failure> with the ladder, beside the properties `contract`, `level` and
`problem_kinds`, plus `verdict` = "warn" (or "fail" under --strict) so that CI can tell the two
apart. Three things make the warning a warning:

- the terminal counts it as "warned" (letter W, word WARN), not "failed", and prints its
  message and ladder in a section of its own, since pytest's failures section shows only
  the failed;
- the closing table (summary.py) shows "warn";
- the exit status is computed at the end of the session: when every failure of the run was
  such a warning, it is 0. pytest counts the report as failed meanwhile, so `-x` stops at a
  warning too.

Strictness is pytest's own: `--strict` (or, from pytest 9 on, the ini key `strict = true`), which
also makes pytest strict about markers (and from pytest 9 on about config and xfail). wirecheck
cannot add a flag of that name, and a strict run is what the issue asks for, so it reads pytest's.
"""

import pytest

from wirecheck.contract._properties import BY_KEY, level_of
from wirecheck.plugin._results import record_of

VERDICT_PROPERTY = "verdict"  # a user property of a failed SHOULD test: "warn", or "fail" under --strict
WARN = (VERDICT_PROPERTY, "warn")


def strict(config: pytest.Config) -> bool:
    """Whether an unmet SHOULD fails the run: pytest's --strict, or its ini key `strict` (pytest 9)."""
    try:
        return bool(config.getini("strict"))  # pytest 9: the flag sets the ini key
    except ValueError:  # pytest 8 has no ini key `strict`, only the flag (there an alias of --strict-markers)
        return bool(config.getoption("strict", False))


def is_warning(report: pytest.TestReport) -> bool:
    """A contract test of a SHOULD property that failed in its call, in a run that is not strict."""
    return report.failed and report.when == "call" and WARN in report.user_properties


class Levels:
    """Turns the failures of SHOULD properties into warnings; registered on the controller and every worker."""

    def __init__(self, strict_run: bool) -> None:
        self.strict = strict_run
        self.warnings: list[pytest.TestReport] = []

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo):
        """Where the report is made (an xdist worker), say whether this failure is a warning: only a failure of
        the test itself (a setup or teardown error is the suite's or the server's start, not the property)."""
        report = yield
        marker = item.get_closest_marker("contract")
        record = record_of(report)  # set by the plugin's wrapper, registered before this one: it has run
        if (report.failed and report.when == "call" and marker is not None and marker.args
                and marker.args[0] in BY_KEY and level_of(marker.args[0], record.kinds if record else []) == "SHOULD"):
            verdict = (VERDICT_PROPERTY, "fail" if self.strict else "warn")
            report.user_properties.append(verdict)  # what the controller reads
            item.user_properties.append(verdict)  # the teardown report's copy: what JUnit XML shows
        return report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if is_warning(report):
            self.warnings.append(report)

    @pytest.hookimpl(tryfirst=True)  # before pytest's own answer, which would say "failed"
    def pytest_report_teststatus(self, report: pytest.TestReport) -> tuple[str, str, tuple[str, dict]] | None:
        if is_warning(report):
            return "warned", "W", ("WARN", {"yellow": True})
        return None

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if not self.warnings:
            return
        terminalreporter.section("wirecheck: SHOULD not met (warnings; --strict makes them fail)", yellow=True)
        for report in self.warnings:
            terminalreporter.write_sep("_", report.head_line or report.nodeid)
            terminalreporter.write_line(report.longreprtext)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        """Every failure was a warning: the run passes (workers' reports all reached this controller by now)."""
        if (self.warnings and session.exitstatus == pytest.ExitCode.TESTS_FAILED
                and session.testsfailed == len(self.warnings)):
            session.exitstatus = pytest.ExitCode.OK
