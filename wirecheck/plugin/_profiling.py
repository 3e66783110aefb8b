"""--wire-profile-out and --wire-baseline: the run's measured profile, and its comparison with a baseline.

Reports of every contract test reach the controller (xdist carries each report's record,
wirecheck.plugin._results); once the run loop is over, this module sums them up per property
(wirecheck.contract._profile), writes the profile, and compares it with the baseline's
(wirecheck.contract._baseline). The comparison is a property of its own, "behaviour unchanged since the
baseline": it has no test function (no worker sees the whole run), so its result is reported
here as a test's would be, with a call and a teardown report, counted among the collected
tests (the terminal's progress counts them). The terminal, the closing
table, JUnit XML and the exit status read it like any other. A run that stopped early (-x,
Ctrl-C) writes no profile and compares nothing: an incomplete run is not a behaviour.
"""

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from wirecheck.contract import _profile as profile
from wirecheck.contract._baseline import compare
from wirecheck.contract._properties import BASELINE, BY_KEY, PROPERTIES, numbered
from wirecheck.plugin._results import REPORT_ATTRIBUTE, ProblemRecord, TestRecord, record_of
from wirecheck.plugin._settings import DEFAULT_CONTRACT_SERVER, Settings

# Options that say where this run writes or reads (its files), not how the server was exercised.
NOT_PROFILED_OPTIONS = {"pcap_dir", "profile_out", "baseline", "server", "tls_cert", "tls_key", "tls_ca"}


@dataclass
class _Test:
    prop: str
    outcome: str = "passed"
    figures: dict[str, float | int | str] = field(default_factory=dict)


class ProfileAndBaseline:
    """Collects each contract test's outcome and figures; writes the profile and compares it with the baseline."""

    def __init__(self, settings: Settings, option_values: dict[str, object]) -> None:
        self.settings = settings
        self.option_values = {name: value for name, value in option_values.items() if name not in NOT_PROFILED_OPTIONS}
        self.tests: dict[str, _Test] = {}
        self.said: list[str] = []  # for the terminal summary

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        prop = dict(report.user_properties).get("contract")
        if prop is None or prop == BASELINE:
            return
        test = self.tests.setdefault(report.nodeid, _Test(prop))
        if report.failed:
            test.outcome = "failed"
        elif report.skipped and test.outcome != "failed":
            test.outcome = "skipped"
        record = record_of(report)
        if record is not None:  # each phase's record holds all the test measured so far
            test.figures = record.figures

    @pytest.hookimpl(wrapper=True)
    def pytest_runtestloop(self, session: pytest.Session):
        result = yield
        if (hasattr(session.config, "workerinput") or session.config.option.collectonly
                or (self.settings.profile_out is None and self.settings.baseline is None)):
            return result  # workers report to the controller, which sums up
        if session.shouldfail or session.shouldstop:
            self.said.append(f"the run stopped early ({session.shouldfail or session.shouldstop}): no profile "
                             "written, no baseline compared")
        elif not self.tests:
            self.said.append("no contract test ran: no profile written, no baseline compared")
        else:
            self._finish(session)
        return result

    def _finish(self, session: pytest.Session) -> None:
        measured = self.profile()
        if self.settings.profile_out is not None:
            profile.write(measured, self.settings.profile_out)
            self.said.append(f"profile written to {self.settings.profile_out}")
        if self.settings.baseline is not None:
            comparison = compare(profile.load(self.settings.baseline), measured, self.settings.tolerance)
            record = TestRecord([ProblemRecord.of(problem) for problem in comparison.verdict.problems])
            reasons = "\n".join(f"- {problem.message}" for problem in record.problems)
            _report(session, self.settings.baseline, record, f"{reasons}\n\n{comparison.table()}")
            same = sum(row.verdict == "same" for row in comparison.rows)
            self.said.append(f"baseline {self.settings.baseline}: {same} the same, {len(record.problems)} changed, "
                             f"{len(comparison.rows) - same - len(record.problems)} not compared")

    def profile(self) -> dict:
        """The profile of the tests seen so far, properties in the contract's order."""
        by_property: dict[str, list[profile.MeasuredTest]] = {}
        for test in self.tests.values():
            by_property.setdefault(test.prop, []).append(profile.MeasuredTest(test.outcome, test.figures))
        entries = {prop.key: profile.property_profile(prop.level, by_property[prop.key])
                   for prop in PROPERTIES if prop.key in by_property}
        server = self.settings.server or f"{DEFAULT_CONTRACT_SERVER} (the article's)"
        return profile.build(entries, server, self.option_values)

    def pytest_terminal_summary(self, terminalreporter) -> None:
        for line in self.said:
            terminalreporter.write_line(f"wirecheck: {line}")


def _report(session: pytest.Session, baseline: Path, record: TestRecord, table: str) -> None:
    """The baseline property's outcome, reported as a test's: the terminal, JUnit and the closing table see it."""
    nodeid = f"{baseline.name}::{BASELINE}"
    location = (str(baseline), None, numbered(BASELINE))
    properties = [("contract", BASELINE), ("level", BY_KEY[BASELINE].level)]
    if record.problems:
        properties.append(("problem_kinds", " ".join(record.kinds)))
    hook = session.config.hook
    session.testscollected += 1
    hook.pytest_runtest_logstart(nodeid=nodeid, location=location)
    for when, outcome, longrepr in (("call", "failed" if record.problems else "passed", table if record.problems
                                     else None), ("teardown", "passed", None)):
        report = pytest.TestReport(nodeid, location, {}, outcome, longrepr, when, user_properties=properties)
        setattr(report, REPORT_ATTRIBUTE, record.to_dict())
        hook.pytest_runtest_logreport(report=report)
    hook.pytest_runtest_logfinish(nodeid=nodeid, location=location)
