"""Run the gate N times against each real server and the reference, and show which verdicts hold and which flap.

    python3 bench/determinism.py                         # install what is missing; 10 runs of each server
    python3 bench/determinism.py --runs 3 --only nginx reference
    python3 bench/determinism.py --skip-install --out determinism.md   # also write the Markdown to a file
    python3 bench/determinism.py --tls --runs 3          # the servers' HTTPS variants, `wirecheck gate --tls`

The servers are bench/real_servers.py's eleven (installed and run as that script does: as
`nobody`, `-n 2`, each stopped by its graceful signal) and the reference, the article's
forking_lingering that the gate runs when no server is given, started by the same command the
gate builds for it; with --tls, the real servers' HTTPS variants (as real_servers.py --tls runs
them; the reference speaks no TLS), their runs under --cache-dir/tls/. The runs go round: run 1
of every server, then run 2, ... so that a busy spell of the machine falls on all of them alike.

A property's outcome in one run is its verdict (real_servers.verdict_of: pass, warn, FAIL,
error, skip), "not measured" when a figure of its tests says so, or a test outcome the
verdicts do not know (one the gate adds later) as it is; "timeout" when the gate run was
ended after --timeout seconds, "no results" when it wrote no report, "not run" when the
report lacks the property. With it go the property's problem kinds in that run. The table has
a row per server and a column per property: the outcomes seen ("10 warn" holds, "7 pass / 3 warn"
flaps, in bold); the properties whose problem kinds varied follow it, with the kinds seen. A
property flaps when either varies.

Progress goes to stderr, one line per gate run; the dated Markdown (date, machine, wirecheck
commit, table, flap count, gate run times) to stdout, and to --out. Each run's JSON report,
log and captures stay under --cache-dir/determinism/run-K/. Exit status: 0 nothing flapped,
1 something did.
"""

import argparse
import datetime
import json
import os
import re
import shlex
import statistics
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import real_servers  # puts the clone on sys.path
from real_servers import (
    DEFAULT_CACHE,
    GATE_WORKERS,
    REPO_ROOT,
    Row,
    Server,
    by_property,
    clear_scratch,
    home_of,
    install,
    number,
    over_tls,
    run_gate,
    verdict_of,
    wirecheck_commit,
)

from wirecheck.contract._properties import BASELINE

DEFAULT_RUNS = 10
DEFAULT_TIMEOUT_SECONDS = 300  # a gate run takes 5 to 60 s here; five minutes is a hang
REFERENCE = "reference"
VENV_PYTHON = REPO_ROOT / ".venv" / "bin" / "python"
VERDICT_OUTCOMES = {"passed", "failed", "error", "skipped"}  # the test outcomes verdict_of knows
NOT_MEASURED = re.compile(r"not[ _-]measured", re.IGNORECASE)
WHOLE_RUN = "(all)"  # the row of a server none of whose runs reported a property


@dataclass(frozen=True)
class Outcome:
    """What one gate run said of one property: its verdict and the sorted problem kinds of its tests."""

    verdict: str
    kinds: tuple[str, ...] = ()


def main() -> int:
    args = parse_args()
    cache = args.cache_dir.resolve()
    servers = chosen_servers(cache, args.only, args.tls)
    if not args.skip_install and any(server.name != REFERENCE for server in servers):
        install(cache)
    home = home_of(cache, args.tls)
    clear_scratch(home / "run")
    started = datetime.datetime.now(datetime.timezone.utc)
    runs = run_rounds(servers, args.runs, home / "determinism", args.timeout)
    if not runs:
        print("determinism: no gate run finished", file=sys.stderr)
        return 1
    outcomes = {name: [outcomes_of(row) for row in rows] for name, rows in runs.items()}
    rows = table_rows(outcomes)
    report = "\n".join([*header(started, runs, args.tls), "", *markdown_table(rows), "", *footer(rows, runs)])
    print(report)
    if args.out:
        args.out.write_text(report + "\n")
    return 1 if any(row.flaps for row in rows) else 0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=positive, default=DEFAULT_RUNS,
                        help=f"gate runs per server (default {DEFAULT_RUNS})")
    parser.add_argument("--only", nargs="+", metavar="NAME",
                        help=f"run only these servers (real_servers.py's names, and {REFERENCE})")
    parser.add_argument("--skip-install", action="store_true", help="assume the real servers are installed already")
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE,
                        help="real_servers.py's venvs, apps and configs, and the runs' reports "
                             f"(default {DEFAULT_CACHE})")
    parser.add_argument("--timeout", type=positive, default=DEFAULT_TIMEOUT_SECONDS,
                        help=f"seconds after which a gate run is ended, its outcome 'timeout' "
                             f"(default {DEFAULT_TIMEOUT_SECONDS})")
    parser.add_argument("--out", type=Path, help="also write the Markdown to this file")
    parser.add_argument("--tls", action="store_true",
                        help="the real servers' HTTPS variants under `wirecheck gate --tls` (no reference)")
    args = parser.parse_args()
    known = [server.name for server in real_servers.real_servers(args.cache_dir)] + [REFERENCE]
    unknown = sorted(set(args.only or ()) - set(known))
    if unknown:
        parser.error(f"no server {', '.join(unknown)}; choose from {', '.join(known)}")
    return args


def positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of 1 or more, not {text!r}")
    return int(text)


# -- the servers and their runs ----------------------------------------------------------------------------------

def chosen_servers(cache: Path, only: list[str] | None, tls: bool) -> list[Server]:
    """The real servers and the reference; with `tls` the real servers' HTTPS variants alone."""
    real = real_servers.real_servers(cache)
    servers = over_tls(real) if tls else [*real, reference_server()]
    return [server for server in servers if not only or server.name in only]


def reference_server() -> Server:
    """The reference as the gate runs it without a server of its own: its name and command are asked of the venv
    (which has the gate's dependencies; this script may run without them), so that they follow the gate's."""
    name, argv = json.loads(subprocess.run(
        [str(VENV_PYTHON), "-c", "import json\n"
                                 "from wirecheck.article._registry import variant_command\n"
                                 "from wirecheck.plugin._settings import DEFAULT_CONTRACT_SERVER as name\n"
                                 "print(json.dumps([name, variant_command(name)]))"],
        cwd=REPO_ROOT, capture_output=True, text=True, check=True).stdout)
    return Server(REFERENCE, argv, "TERM", lambda: f"{name}, wirecheck {wirecheck_commit()}")


def run_rounds(servers: list[Server], runs: int, reports: Path, timeout: float) -> dict[str, list[Row]]:
    """Each server's gate runs by its name, `runs` rounds of them; each run's reports go to reports/run-K/. An
    interrupt (Ctrl-C) ends the rounds: the runs done so far are tabulated."""
    done: dict[str, list[Row]] = {server.name: [] for server in servers}
    try:
        for run in range(1, runs + 1):
            for server in servers:
                row = run_gate(server, REPO_ROOT, reports / f"run-{run:02d}", timeout)
                done[server.name].append(row)
                print(f"determinism: {server.name} run {run}/{runs}: {row.seconds:.0f} s, {ending(row)}",
                      file=sys.stderr, flush=True)
    except KeyboardInterrupt:
        print("determinism: interrupted; the table has the runs done so far", file=sys.stderr, flush=True)
    return {name: rows for name, rows in done.items() if rows}


def ending(row: Row) -> str:
    if row.exit_status is None:
        return "timeout"
    return f"exit {row.exit_status}" + (f" ({row.note})" if row.note else "")


# -- outcomes ----------------------------------------------------------------------------------------------------

def outcomes_of(row: Row) -> dict[str, Outcome]:
    """Each property's outcome in one gate run; a run without results gives every property the same one, under
    WHOLE_RUN (table_rows spreads it over the properties the other runs reported)."""
    if row.exit_status is None:
        return {WHOLE_RUN: Outcome("timeout")}
    if not row.tests:
        return {WHOLE_RUN: Outcome("no results")}
    return {key: outcome_of(tests) for key, tests in by_property(row.tests).items() if key != BASELINE}


def outcome_of(tests: list[dict]) -> Outcome:
    kinds = tuple(sorted({kind for test in tests for kind in test["problem_kinds"]}))
    unknown = sorted({test["outcome"] for test in tests} - VERDICT_OUTCOMES)
    figures = [value for test in tests for value in test["figures"].values() if isinstance(value, str)]
    if any(NOT_MEASURED.search(text) for text in [*unknown, *figures]):
        return Outcome("not measured", kinds)
    if unknown:
        return Outcome(" + ".join(unknown), kinds)
    return Outcome(verdict_of(tests), kinds)


@dataclass(frozen=True)
class TableRow:
    """One server's property over all runs: the outcome of each run, in run order."""

    server: str
    prop: str
    outcomes: list[Outcome]

    @property
    def flaps(self) -> bool:
        return len(set(self.outcomes)) > 1

    @property
    def verdicts_seen(self) -> str:
        return tally(outcome.verdict for outcome in self.outcomes)

    @property
    def kinds_seen(self) -> str:
        """The sets of problem kinds seen and how often, when they vary; empty when every run had the same."""
        kinds = [", ".join(outcome.kinds) or "none" for outcome in self.outcomes]
        return tally(kinds) if len(set(kinds)) > 1 else ""


def table_rows(outcomes: dict[str, list[dict[str, Outcome]]]) -> list[TableRow]:
    """A row per server and property that any of its runs reported, in the contract's order."""
    rows = []
    for server, runs in outcomes.items():
        keys = sorted({key for run in runs for key in run if key != WHOLE_RUN}, key=number) or [WHOLE_RUN]
        for key in keys:
            rows.append(TableRow(server, key, [run.get(key, run.get(WHOLE_RUN, Outcome("not run"))) for run in runs]))
    return rows


def tally(values) -> str:
    """"7 pass / 3 warn": each value with its count, the commonest first."""
    return " / ".join(f"{count} {value}" for value, count in Counter(values).most_common())


# -- the Markdown ------------------------------------------------------------------------------------------------

def header(started: datetime.datetime, runs: dict[str, list[Row]], tls: bool) -> list[str]:
    """When, on what machine, with which wirecheck, the command that made the table, and the servers' versions."""
    rounds = max(len(rows) for rows in runs.values())
    versions = ", ".join(f"{name} {rows[-1].version}" for name, rows in runs.items())
    return [f"From `python3 bench/determinism.py {shlex.join(sys.argv[1:])}` on {started:%Y-%m-%d %H:%M} UTC "
            f"({rounds} round{'s' if rounds > 1 else ''}): a machine of {len(os.sched_getaffinity(0))} CPUs, "
            f"wirecheck {wirecheck_commit()}; the gate with{' `--tls` and' if tls else ''} its "
            f"default options (`-n {GATE_WORKERS}`, each server's graceful stop signal), servers run as nobody, one "
            "after another.", "", f"Servers: {versions}."]


def markdown_table(rows: list[TableRow]) -> list[str]:
    """A row per server, a column per property: the outcomes seen ("10 warn"; "7 pass / 3 warn" is a flap, in
    bold), then each property whose problem kinds varied, with the kinds seen."""
    keys = sorted({row.prop for row in rows if row.prop != WHOLE_RUN}, key=number)
    cells = {(row.server, row.prop): row for row in rows}
    servers = list(dict.fromkeys(row.server for row in rows))
    lines = ["| server | " + " | ".join(str(number(key)) for key in keys) + " |", "|---|" + "---|" * len(keys)]
    for server in servers:
        found = [cells.get((server, key)) or cells.get((server, WHOLE_RUN)) for key in keys]
        lines.append(f"| {server} | " + " | ".join(_cell(row) for row in found) + " |")
    varied = [row for row in rows if row.kinds_seen]
    if varied:
        lines += ["", "Problem kinds that varied between runs:", "",
                  *(f"- {row.server}, {row.prop}: {row.kinds_seen}" for row in varied)]
    return lines


def _cell(row: TableRow | None) -> str:
    if row is None:
        return "-"
    return f"**{row.verdicts_seen}**" if row.flaps else row.verdicts_seen


def footer(rows: list[TableRow], runs: dict[str, list[Row]]) -> list[str]:
    flaps = [f"{row.server} {number(row.prop) if row.prop != WHOLE_RUN else row.prop}" for row in rows if row.flaps]
    return [f"Flaps: {len(flaps)}" + (f" ({', '.join(flaps)})." if flaps else "."), "",
            "Gate run times (shortest, median, longest):", "",
            *(f"- {name}: {run_times(server_rows)}" for name, server_rows in runs.items())]


def run_times(rows: list[Row]) -> str:
    seconds = [row.seconds for row in rows]
    return f"{min(seconds):.0f} s, {statistics.median(seconds):.0f} s, {max(seconds):.0f} s"


if __name__ == "__main__":
    started_at = time.monotonic()
    status = main()
    print(f"determinism: {time.monotonic() - started_at:.0f} s in all", file=sys.stderr)
    sys.exit(status)
