"""tshark checks every saved capture of the run; any disagreement fails the run.

A test's teardown names its saved capture, and what the suite saw in it, on the test's
teardown report. The process that receives the reports (the only one, or pytest-xdist's
controller, which has little else to do) adds each capture, read back from disk as saved,
to the run's batch (wirecheck.tshark._batch); the rest are read at the end of the session,
so a test run alone is checked too. A capture that tshark reads otherwise than the suite
makes the run fail (exit status 1) and is listed at the end under the test that saved it.
A nested run (the suite runs the gate inside itself) hands its captures up to the run it
is nested in instead (wirecheck.tshark._handoff).
"""

import pytest

from wirecheck.tshark import _check as tshark
from wirecheck.tshark import _handoff as tshark_handoff
from wirecheck.tshark._batch import Finding, TsharkBatch
from wirecheck.tshark._check import Expectations

REPORT_ATTRIBUTE = "wirecheck_tshark"  # on a teardown report: its test's capture and its nested runs' (Handed)
PLUGIN_NAME = "wirecheck-tshark-batch"
_EXPECTED = pytest.StashKey[Expectations]()


class TsharkCheck:
    """The run's batch, fed from the test reports this process receives, and the end of the run: findings listed,
    exit status failed."""

    def __init__(self, config: pytest.Config) -> None:
        receives_reports = not hasattr(config, "workerinput")  # an xdist worker sends its reports on
        self.hand_up_to = tshark_handoff.inherited() if receives_reports else None  # nested: the outer run checks
        if self.hand_up_to is not None:
            tshark_handoff.open_inbox(self.hand_up_to)
        self.checks_here = receives_reports and self.hand_up_to is None
        self.batch: TsharkBatch | None = None  # started by the first capture to check: a run without one starts none
        self.inbox = tshark_handoff.Inbox(inside=tshark_handoff.inherited())  # for the runs its tests start
        self.findings: list[Finding] = []

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo):
        report = yield
        if call.when == "teardown":
            handed = self.inbox.collect(item.nodeid)
            if _EXPECTED in item.stash:
                handed.insert(0, {"test": item.nodeid, "expected": item.stash[_EXPECTED].to_dict()})
            if handed:
                setattr(report, REPORT_ATTRIBUTE, handed)
        return report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        handed = getattr(report, REPORT_ATTRIBUTE, [])
        if self.hand_up_to is not None:
            tshark_handoff.hand_up(self.hand_up_to, handed)
        elif self.checks_here:
            for capture in handed:
                self.batch = self.batch or TsharkBatch()
                self.batch.add(capture["test"], Expectations.from_dict(capture["expected"]))

    def pytest_unconfigure(self) -> None:
        self.inbox.close()

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.batch is None:
            return
        self.findings += self.batch.settle()
        if self.findings and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if not self.findings:
            return
        terminalreporter.section("wirecheck: tshark disagrees with the suite", red=True)
        for finding in self.findings:
            terminalreporter.write_line(f"{finding['test']}\n  capture: {finding['capture']}", red=True)
            for problem in finding["problems"]:
                terminalreporter.write_line(f"  - {problem}")
        terminalreporter.write_line(f"{len(self.findings)} capture(s) read otherwise by tshark: the run fails",
                                    red=True)


def register(config: pytest.Config) -> None:
    config.pluginmanager.register(TsharkCheck(config), PLUGIN_NAME)


def describe(config: pytest.Config) -> str:
    """Whether tshark checks this run's captures, and where: for the report header."""
    if not tshark.available():
        return "off (tshark is not installed; bin/setup installs it)"
    if config.pluginmanager.get_plugin(PLUGIN_NAME).hand_up_to is not None:
        return "on, in the run this one is nested in (its captures are handed up)"
    return "on"


def check_later(item: pytest.Item, expected: Expectations) -> None:
    """Have tshark check the capture `item` saved: its teardown report carries `expected` to the batch."""
    item.stash[_EXPECTED] = expected
