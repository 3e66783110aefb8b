"""Time the whole test suite serially and in parallel: wall time, CPU time, and the share of each phase.

    python bench/suite_speed.py                       # this tree: serial (-n 0), then bin/test's -n auto
    python bench/suite_speed.py --reference 6666eac   # that revision too, in a temporary worktree, in turn
    python bench/suite_speed.py --modes serial -- tests/article/test_handshake.py   # a part of the suite

Each run is `pytest tests` (or the paths given) in a subprocess. CPU time is what the run and all its descendants
used (the children's rusage: pytest, xdist workers, servers, clients, tshark). With
--reference, the revision and this tree take turns (serial, serial, parallel, parallel), so
that before and after share one stretch of this machine's load. The per-phase report comes
from wirecheck._phases (WIRECHECK_PHASES): one file per test process. A reference revision
without it gets it copied into its temporary worktree, with bench/reference_phases.py timing
the same places in its code. Needs root (the suite sniffs).
"""

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO_ROOT = BENCH.parent
PHASE_MODULES = ("phases.py", "phases_plugin.py")
MODES = {"serial": ["-n", "0"], "parallel": ["-n", "auto", "--dist", "load", "--maxschedchunk", "2"]}  # bin/test's
OTHER = "other (pytest, fixtures, teardown)"
CONTROLLER = "controller"  # wirecheck.plugin._phase_timing's name for the xdist controller's phase file


def main() -> int:
    args = parse_args()
    trees = [("this tree", REPO_ROOT, [])]
    with tempfile.TemporaryDirectory(prefix="suite-speed-") as scratch:
        os.chmod(scratch, 0o755)  # the suite's servers run as nobody: they must reach the reference's code
        if args.reference:
            reference = Path(scratch) / "reference"
            subprocess.run(["git", "worktree", "add", "--detach", "--quiet", str(reference), args.reference],
                           cwd=REPO_ROOT, check=True)
            trees.insert(0, (args.reference, reference, _time_phases_of(reference)))
        try:
            results = [run(label, tree, mode, [*args.paths, *plugins], Path(scratch) / f"phases-{index}")
                       for mode in args.modes for index, (label, tree, plugins) in enumerate(trees)]
        finally:
            if args.reference:
                subprocess.run(["git", "worktree", "remove", "--force", str(reference)], cwd=REPO_ROOT, check=True)
    print()
    for result in results:
        print_phases(result)
    return 0 if all(result["status"] == 0 for result in results) else 1


def _time_phases_of(tree: Path) -> list[str]:
    """The pytest arguments that time `tree`'s phases: none if it does so itself, else the wrapping plugin."""
    if (tree / "wirecheck" / PHASE_MODULES[0]).exists():
        return []
    for name in PHASE_MODULES:
        shutil.copy(REPO_ROOT / "wirecheck" / name, tree / "wirecheck" / name)
    return ["-p", "reference_phases"]


def run(label: str, tree: Path, mode: str, arguments: list[str], phase_dir: Path) -> dict:
    """One pytest run of `tree`'s suite; its wall and CPU time, its summary line and its phase files."""
    env = {**os.environ, "PYTHONPATH": f"{tree}{os.pathsep}{BENCH}", "WIRECHECK_PHASES": str(phase_dir / mode)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # bytecode cached, as this tree's conftest.py has it, in both trees
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    pytest = subprocess.Popen([sys.executable, "-m", "pytest", *arguments, "-q", "-p", "no:cacheprovider",
                               *MODES[mode]], cwd=tree, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True)
    output = pytest.communicate()[0]
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    lines = output.strip().splitlines()
    summary = lines[-1].strip("= ") if lines else "(no output)"
    print(f"{label:<12} {mode:<9} wall {wall:6.1f} s   CPU {cpu:6.1f} s   exit {pytest.returncode}   {summary}",
          flush=True)
    if pytest.returncode:
        print("\n".join(line for line in lines if line.startswith(("FAILED", "ERROR"))), flush=True)
    return {"label": label, "mode": mode, "wall": wall, "cpu": cpu, "status": pytest.returncode,
            "processes": _phase_files(phase_dir / mode, pytest.pid)}


def _phase_files(directory: Path, pid: int) -> list[dict]:
    """The phase files of the run's own processes (pytest, or its xdist controller and workers, named gw0, gw1,
    ...), not of the pytest runs that some tests start inside it (their time is those tests' own)."""
    records = [json.loads(path.read_text()) for path in directory.glob("*.json")] if directory.is_dir() else []
    return [record for record in records
            if record["pid"] == pid or (record["parent"] == pid and record["name"].startswith("gw"))]


def print_phases(result: dict) -> None:
    """The test processes' phases as shares of their wall time; the xdist controller's (tshark's batch) apart: it
    runs no test, so its wall time is no test process's."""
    processes = [process for process in result["processes"] if process["name"] != CONTROLLER]
    heading = f"{result['label']}, {result['mode']}"
    if not processes:
        print(f"{heading}: no phase files were written\n")
        return
    wall = sum(process["totals"]["wall"] for process in processes)
    seconds: dict[str, float] = {}
    beside: set[str] = set()  # phases timed (partly) on a helper thread: beside the tests, not in their time
    for process in processes:
        for phase, value in process["phases"].items():
            seconds[phase] = seconds.get(phase, 0.0) + value
            if value > process["main_thread"].get(phase, 0.0):
                beside.add(phase)
    seconds[OTHER] = wall - sum(sum(process["main_thread"].values()) for process in processes)
    print(f"{heading}: {len(processes)} test process(es), {wall:.1f} s of their wall time in all")
    for phase, value in sorted(seconds.items(), key=lambda item: -item[1]):
        where = "  (beside the tests, on a helper thread)" if phase in beside else ""
        print(f"  {phase:<36} {value:7.1f} s  {100 * value / wall:5.1f} %{where}")
    for controller in (process for process in result["processes"] if process["name"] == CONTROLLER):
        spent = ", ".join(f"{phase} {value:.1f} s" for phase, value in sorted(controller["phases"].items()))
        print(f"  the xdist controller, beside the workers: {spent or 'nothing timed'}")
    print()


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reference", metavar="REV", help="a git revision to time as well, e.g. 6666eac")
    parser.add_argument("--modes", nargs="+", choices=list(MODES), default=list(MODES),
                        help="which runs (default: %(default)s)")
    parser.add_argument("paths", nargs="*", default=["tests"], help="what pytest runs (default: tests)")
    return parser.parse_args()


if __name__ == "__main__":
    sys.exit(main())
