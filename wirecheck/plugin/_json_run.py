"""`--wire-json-report FILE`: the run as JSON, for CI systems: each test's outcome, property, problems and figures.

A view of the run model (wirecheck.plugin._results): each test's report carries its record, and
xdist carries the reports to the controller, which alone writes the file. A test's
outcome joins its phases: "failed" if its call failed, "error" if its setup or teardown
did, "skipped", else "passed" (tshark's check fails the run as a whole, at its end).
The file's shape is json_report.schema.json, beside this module; `format` changes when
a field changes meaning.
"""

import json
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path

import pytest

from wirecheck.plugin._results import record_of
from wirecheck.plugin._settings import Settings

FORMAT = 1
SCHEMA = "json_report.schema.json"


def schema() -> dict:
    """The JSON Schema of the report, as shipped in the package."""
    return json.loads(resources.files("wirecheck.plugin").joinpath(SCHEMA).read_text())


def register(config: pytest.Config, settings: Settings, values: dict[str, object]) -> None:
    """Write the file at the end of the run when --wire-json-report asks for it (a relative FILE: where pytest was
    run);
    xdist workers send their reports to the controller, which writes it."""
    if settings.json_report and not hasattr(config, "workerinput"):
        config.pluginmanager.register(JsonReport(config.invocation_params.dir / settings.json_report, settings,
                                                 values), "wirecheck-json-report")


class JsonReport:
    """Gathers every test's phases as they are reported, and writes the file when the session ends."""

    def __init__(self, path: Path, settings: Settings, values: dict[str, object]) -> None:
        self.path = path
        # Every option in force by its own name (the ini key less wire_), as the plugin read it; the capture
        # directory as resolved.
        self.values = {**values, "pcap_dir": str(settings.pcap_dir)}
        self.tests: dict[str, dict] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        test = self.tests.setdefault(report.nodeid, _new_entry(report))
        # A property's level can depend on the kinds found (left-open is a SHOULD in a MUST property): each
        # phase's report says it with the kinds known so far, the last one with all of them.
        test["level"] = dict(report.user_properties).get("level", test["level"])
        record = record_of(report)
        if record is not None:  # each phase carries the record so far; the last one is the whole of it
            test.update(problems=[vars(problem) for problem in record.problems], figures=record.figures,
                        capture=record.capture)
        if report.failed and test["outcome"] not in ("failed", "error"):  # the first failure is the one to read
            test["outcome"] = "failed" if report.when == "call" else "error"
            test["message"] = _message(report)
        elif report.skipped and test["outcome"] == "passed":
            test["outcome"] = "skipped"
            test["message"] = _message(report)
        test["duration"] += report.duration

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        tests = list(self.tests.values())
        for test in tests:
            test["problem_kinds"] = [problem["kind"] for problem in test["problems"]]
        outcomes = [test["outcome"] for test in tests]
        document = {"format": FORMAT, "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                    "exit_status": int(exitstatus), "settings": self.values,
                    "summary": {outcome: outcomes.count(outcome) for outcome in ("passed", "failed", "error",
                                                                                 "skipped")},
                    "tests": tests}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(document, indent=2) + "\n")

    def pytest_terminal_summary(self, terminalreporter) -> None:
        terminalreporter.write_line(f"wirecheck: JSON report {self.path}")


def _new_entry(report: pytest.TestReport) -> dict:
    found = dict(report.user_properties)
    return {"nodeid": report.nodeid, "property": found.get("contract"), "level": found.get("level"),
            "outcome": "passed", "message": None, "duration": 0.0, "problems": [], "figures": {}, "capture": None}


def _message(report: pytest.TestReport) -> str:
    """The first line of why a test failed or was skipped, as pytest summarises it."""
    if report.skipped and isinstance(report.longrepr, tuple):
        return report.longrepr[2].removeprefix("Skipped: ")
    crash = getattr(report.longrepr, "reprcrash", None)
    return (crash.message if crash else str(report.longrepr)).splitlines()[0] if report.longrepr else report.outcome
