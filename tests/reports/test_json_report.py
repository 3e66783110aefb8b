"""`--wire-json-report` from a real run: it validates against the schema that ships in the package, and says the same
as the run's JUnit XML: each test's property and level, outcome, problem kinds, figures and capture.

A nested pytest run (with one xdist worker, so that the records travel from it to the controller, which writes
the file) of two contract properties against the iterative server closing 0.3 s after its response, with
--wire-fin-within 0.1: complete-response holds, fin-in-time fails with a late FIN.
"""

import json
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import jsonschema
import pytest
from gate_runs import CONTRACT, selecting

from wirecheck.article._registry import server
from wirecheck.capture._loopback import can_capture
from wirecheck.plugin._json_run import schema
from wirecheck.server._session import REPO_ROOT

CLOSE_DELAY = 0.3
FIN_WITHIN = "0.1"
RUN_SECONDS = 120

pytestmark = [pytest.mark.slow, pytest.mark.skipif(bool(can_capture()), reason=can_capture() or "")]


def test_the_json_report_of_a_failing_run_validates_and_holds_each_tests_property_kinds_and_figures(tmp_path):
    command = f"{sys.executable} {server('iterative').path} --delay {CLOSE_DELAY} --port {{port}}"
    report, junit = tmp_path / "report.json", tmp_path / "junit.xml"
    done = subprocess.run([sys.executable, "-m", "pytest", CONTRACT, "-p", "no:cacheprovider",
                           "-n", "1", "-k", selecting("complete-response", "fin-in-time"), "--wire-server", command,
                           "--wire-fin-within", FIN_WITHIN,
                           "--wire-pcap-dir", str(tmp_path / "captures"), "--wire-json-report", str(report),
                           "--junitxml", str(junit)],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=RUN_SECONDS)
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-3000:]
    document = json.loads(report.read_text())
    jsonschema.validate(document, schema(), format_checker=jsonschema.FormatChecker())
    assert document["exit_status"] == 1
    assert document["settings"]["server"] == command and document["settings"]["fin_within"] == float(FIN_WITHIN)
    tests = {test["property"]: test for test in document["tests"]}
    assert set(tests) == {"complete-response", "fin-in-time"}, document["tests"]
    assert {test["level"] for test in tests.values()} == {"MUST"}
    assert (tests["complete-response"]["outcome"], tests["complete-response"]["problem_kinds"]) == ("passed", [])
    late = tests["fin-in-time"]
    assert (late["outcome"], late["problem_kinds"]) == ("failed", ["server-fin-late"]), late
    assert abs(late["figures"]["fin_delay"] - CLOSE_DELAY) < CLOSE_DELAY / 2, late["figures"]
    assert late["problems"][0]["frame"] >= 1 and late["message"]
    assert all(Path(test["capture"]).is_file() for test in tests.values())
    assert document["summary"] == {"passed": 1, "failed": 1, "error": 0, "skipped": 0}
    assert _junit_properties(junit) == {
        (test["property"], test["level"], " ".join(test["problem_kinds"]) or None) for test in tests.values()}


def _junit_properties(junit: Path) -> set[tuple[str, str, str | None]]:
    """Each test case's contract, level and problem_kinds properties (None where it had no problem)."""
    cases = ({p.get("name"): p.get("value") for p in case.iter("property")}
             for case in ElementTree.parse(junit).iter("testcase"))
    return {(found["contract"], found["level"], found.get("problem_kinds")) for found in cases}
