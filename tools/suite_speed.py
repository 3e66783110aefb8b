"""Time the whole test suite serially and in parallel: wall time, CPU time, and the share of each phase.

    python tools/suite_speed.py                       # this tree: serial (-n 0), then bin/test's -n auto
    python tools/suite_speed.py --reference 6666eac   # that revision too, in a temporary worktree, in turn
    python tools/suite_speed.py --modes serial -- tests/article/test_handshake.py   # a part of the suite

Each run is `pytest tests` (or the paths given) in a subprocess. CPU time is what the run and all its descendants
used (the children's rusage: pytest, xdist workers, servers, clients, tshark). With
--reference, the revision and this tree take turns (serial, serial, parallel, parallel), so
that before and after share one stretch of this machine's load. The per-phase report comes
from the phase files each test process writes into the directory WIRECHECK_PHASES names:
wirecheck._phases adds the phases up and tools/phase_timing.py, loaded into the run through
the environment (PYTEST_PLUGINS, tools/ on PYTHONPATH: xdist workers and nested runs load it
too), writes them. A reference revision between 9a6bd29 and the restructure into subpackages
writes them itself (wirecheck.phases_plugin, wirecheck.plugin._phase_timing); one older than
9a6bd29 gets wirecheck/_phases.py copied into its temporary worktree, with
tools/reference_phases.py timing the same places in its code. Needs root (the suite sniffs).
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

from phase_timing import CONTROLLER, ENVIRONMENT
from suite_run import PARALLEL, QUIET, REPO_ROOT, SERIAL

TOOLS = Path(__file__).resolve().parent
PHASES = Path("wirecheck", "_phases.py")  # the instrumentation, copied into a revision that has none
# Revisions that write their phase files themselves when WIRECHECK_PHASES is set: from 9a6bd29 to the restructure.
OWN_PHASE_WRITERS = (Path("wirecheck", "phases_plugin.py"), Path("wirecheck", "plugin", "_phase_timing.py"))
OWN_PHASES = (Path("wirecheck", "phases.py"), PHASES)  # revisions that time their phases themselves
MODES = {"serial": SERIAL, "parallel": PARALLEL}
OTHER = "other (pytest, fixtures, teardown)"


def main() -> int:
    args = parse_args()
    trees = [("this tree", REPO_ROOT, _phase_plugins(REPO_ROOT))]
    with tempfile.TemporaryDirectory(prefix="suite-speed-") as scratch:
        os.chmod(scratch, 0o755)  # the suite's servers run as nobody: they must reach the reference's code
        if args.reference:
            reference = Path(scratch) / "reference"
            subprocess.run(["git", "worktree", "add", "--detach", "--quiet", str(reference), args.reference],
                           cwd=REPO_ROOT, check=True)
            trees.insert(0, (args.reference, reference, _phase_plugins(reference)))
        try:
            results = [run(label, tree, mode, args.paths, plugins, Path(scratch) / f"phases-{index}")
                       for mode in args.modes for index, (label, tree, plugins) in enumerate(trees)]
        finally:
            if args.reference:
                subprocess.run(["git", "worktree", "remove", "--force", str(reference)], cwd=REPO_ROOT, check=True)
    print()
    for result in results:
        print_phases(result)
    return 0 if all(result["status"] == 0 for result in results) else 1


def _phase_plugins(tree: Path) -> list[str]:
    """The plugins (tools/ modules) that time `tree`'s phases and write its phase files: none for a revision that
    writes them itself; phase_timing for one whose package only times them (this tree); phase_timing and
    reference_phases, which wraps the old code's functions, for one older than any timing, which gets the
    instrumentation copied in."""
    if any((tree / path).exists() for path in OWN_PHASE_WRITERS):
        return []
    if any((tree / path).exists() for path in OWN_PHASES):
        return ["phase_timing"]
    shutil.copy(REPO_ROOT / PHASES, tree / PHASES)
    return ["phase_timing", "reference_phases"]


def run(label: str, tree: Path, mode: str, paths: list[str], plugins: list[str], phase_dir: Path) -> dict:
    """One pytest run of `tree`'s suite, with `plugins` loaded through the environment (so that xdist workers and
    nested runs load them too); its wall and CPU time, its summary line and its phase files."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tree), str(TOOLS)]), ENVIRONMENT: str(phase_dir / mode)}
    if plugins:
        env["PYTEST_PLUGINS"] = ",".join(plugins)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # bytecode cached, as this tree's conftest.py has it, in both trees
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    pytest = subprocess.Popen([sys.executable, "-m", "pytest", *paths, *QUIET, *MODES[mode]], cwd=tree, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
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
