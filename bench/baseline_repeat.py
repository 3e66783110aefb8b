"""Does the baseline flap? One gate run writes a profile, then N more against the same server compare with it.

    sudo .venv/bin/python bench/baseline_repeat.py [--runs 10] [--server CMD] [-- more pytest options]

Each run is `pytest tests --wire-server CMD --wire-baseline PROFILE` as a user types it (with xdist,
as bin/test runs it). A run is green when pytest exits 0; otherwise its changes (the
baseline property's problems, from the run's JUnit XML) are printed. The last line says
how many of the N were green, and a table of each timing the runs measured (each run writes
its profile too): the baseline's median, the runs' lowest and highest, and the largest
difference, against the floor of the comparison (wirecheck.contract._baseline.BASELINE_FLOOR_SECONDS).
The exit status is 1 unless all were green.
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from xml.etree import ElementTree

from wirecheck.checks._timing import seconds
from wirecheck.contract._baseline import BASELINE_FLOOR_SECONDS, NOT_COMPARED
from wirecheck.contract._properties import BASELINE
from wirecheck.server._session import REPO_ROOT

DEFAULT_SERVER = f"{sys.executable} -m http.server {{port}} --bind 127.0.0.1 --directory {REPO_ROOT}"


def gate(server: str, scratch: Path, name: str, extra: list[str]) -> tuple[subprocess.CompletedProcess, float]:
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "pytest", "tests", "-p", "no:cacheprovider", "-q",
                           "--wire-pcap-dir", str(scratch / "captures"), "--junitxml", str(scratch / f"{name}.xml"),
                           "--wire-server", server, *extra], cwd=REPO_ROOT, capture_output=True, text=True)
    return done, time.monotonic() - started


def changes(junit: Path) -> list[str]:
    """The baseline property's problems in a run's JUnit XML: the first lines of its failure message."""
    for case in ElementTree.parse(junit).iter("testcase"):
        failure = case.find("failure")
        if case.get("name") == BASELINE and failure is not None:
            return [line for line in (failure.text or "").splitlines() if line.startswith("- ")]
    return []


def spread(baseline: dict, runs: list[dict]) -> str:
    """Each compared timing's median in the baseline and over the runs, and the largest difference."""
    lines = [f"{'property':<20} {'timing':<16} {'baseline':>10} {'lowest':>10} {'highest':>10} {'largest diff':>13}"]
    for prop, entry in baseline["properties"].items():
        for name, figure in entry["figures"].items():
            if figure["type"] != "timing" or name in NOT_COMPARED:
                continue
            medians = [run["properties"][prop]["figures"][name]["median"] for run in runs
                       if name in run["properties"].get(prop, {}).get("figures", {})]
            if medians:
                diff = max(abs(median - figure["median"]) for median in medians)
                lines.append(f"{prop:<20} {name:<16} {seconds(figure['median']):>10} {seconds(min(medians)):>10} "
                             f"{seconds(max(medians)):>10} {seconds(diff):>13}")
    return "\n".join(lines + [f"the comparison's floor: {seconds(BASELINE_FLOOR_SECONDS)}"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="runs compared with the baseline (default: %(default)s)")
    parser.add_argument("--server", default=DEFAULT_SERVER, help="the server command (default: python's http.server)")
    parser.add_argument("pytest_options", nargs="*", help="after --: more pytest options (default: -n auto)")
    options = parser.parse_args()
    extra = options.pytest_options or ["-n", "auto"]
    with tempfile.TemporaryDirectory(prefix="wirecheck-baseline-") as scratch_name:
        scratch = Path(scratch_name)
        profile = scratch / "baseline.json"
        done, took = gate(options.server, scratch, "baseline", ["--wire-profile-out", str(profile), *extra])
        if done.returncode != 0:
            print(f"the baseline run failed (exit {done.returncode}):\n{done.stdout[-3000:]}{done.stderr[-2000:]}")
            return 1
        print(f"baseline written in {took:.1f} s: {options.server}")
        green = 0
        for run in range(1, options.runs + 1):
            done, took = gate(options.server, scratch, f"run{run}", ["--wire-baseline", str(profile),
                                                                      "--wire-profile-out",
                                                                      str(scratch / f"run{run}.json"), *extra])
            found = changes(scratch / f"run{run}.xml")
            green += done.returncode == 0
            verdict = "green" if done.returncode == 0 else f"RED (exit {done.returncode})"
            print(f"run {run:2}: {verdict} in {took:.1f} s" + "".join(f"\n    {line}" for line in found))
            if done.returncode != 0 and not found:
                print(done.stdout[-3000:])
        print(spread(json.loads(profile.read_text()),
                     [json.loads(path.read_text()) for path in sorted(scratch.glob("run*.json"))]))
    print(f"{green} of {options.runs} runs with the baseline green")
    return 0 if green == options.runs else 1


if __name__ == "__main__":
    sys.exit(main())
