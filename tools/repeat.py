"""Run the whole suite N times and show every test that ever failed, with its pass count: a flake has nowhere to hide.

    python tools/repeat.py 20 [pytest arguments...]   (bin/repeat)

Each run is `pytest -n auto --dist load --maxschedchunk 2` (as bin/test runs it) with a JUnit XML
report, read back to count each test's outcome across the runs.
"""

import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ElementTree
from collections import Counter
from pathlib import Path

from suite_run import PARALLEL, QUIET, REPO_ROOT

SUITE = ["-m", "pytest", *PARALLEL, *QUIET]


def outcomes(report: Path) -> dict[str, str]:
    """Test id -> "passed", "failed" or "skipped", from one JUnit XML report."""
    found = {}
    for case in ElementTree.parse(report).iter("testcase"):
        name = f"{case.get('classname')}::{case.get('name')}"
        if case.find("failure") is not None or case.find("error") is not None:
            found[name] = "failed"
        elif case.find("skipped") is not None:
            found.setdefault(name, "skipped")
        else:
            found.setdefault(name, "passed")
    return found


def main(argv: list[str]) -> int:
    if not argv or not argv[0].isdigit() or int(argv[0]) < 1:
        print("usage: bin/repeat RUNS [pytest arguments...]", file=sys.stderr)
        return 2
    runs, extra = int(argv[0]), argv[1:]
    passes, failures = Counter(), Counter()
    with tempfile.TemporaryDirectory(prefix="wirecheck-repeat-") as scratch:
        for run in range(1, runs + 1):
            report = Path(scratch) / f"run-{run}.xml"
            started = time.monotonic()
            done = subprocess.run([sys.executable, *SUITE, f"--junitxml={report}", *extra], cwd=REPO_ROOT,
                                  capture_output=True, text=True)
            if not report.exists():
                print(f"run {run}/{runs}: pytest exited {done.returncode} without a report:\n{done.stderr[-2000:]}")
                return 2
            results = outcomes(report)
            tally = Counter(results.values())
            passes.update(name for name, outcome in results.items() if outcome == "passed")
            failures.update(name for name, outcome in results.items() if outcome == "failed")
            print(f"run {run}/{runs}: {tally['passed']} passed, {tally['failed']} failed, {tally['skipped']} skipped "
                  f"in {time.monotonic() - started:.1f} s", flush=True)
    if not failures:
        print(f"every test passed in all {runs} runs")
        return 0
    print("tests that failed at least once (passed / runs):")
    for name in sorted(failures):
        print(f"  {passes[name]}/{runs}  {name}")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
