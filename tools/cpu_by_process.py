"""Where a run's CPU goes, by kind of process: the xdist workers, the servers, nested pytest runs, tshark, Chromium.

    sudo .venv/bin/python tools/cpu_by_process.py                 # bin/test's parallel run of tests/
    sudo .venv/bin/python tools/cpu_by_process.py -- -n 0 tests/unit   # other pytest arguments

The suite runs with the kernel's process accounting on (acct(2), into a temporary file): each process that ends
leaves a record of its CPU time, user, parent and command name, short-lived ones included, which sampling profilers
miss. Kinds, from those records: the run's own pytest process (the xdist controller), its children (the workers),
processes of the servers' user (servers, and the children they fork), nested pytest runs (root's Python processes
with a server among their descendants), other Python processes (clients, probes), and the rest by command name.
The kernel counts CPU in 10 ms ticks, so a process that runs for less is counted as none: the servers' forked
children, thousands, show as nothing. Accounting is a machine-wide switch: this turns it off at the end, also if it
had been on before. Needs root.
"""

import argparse
import ctypes
import os
import pwd
import struct
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from suite_run import PARALLEL, QUIET, REPO_ROOT

from wirecheck.server._privileges import DEFAULT_SERVER_USER

RECORD = struct.Struct("<BBHIIIIIIfHHHHHHHH16s")  # struct acct_v3 (linux/acct.h)
ACCT_VERSION = 3
AFORK = 0x01  # forked, never exec'd
TICKS_PER_SECOND = 100  # AHZ


@dataclass(frozen=True)
class Process:
    pid: int
    parent: int
    uid: int
    command: str
    forked_only: bool
    cpu: float  # seconds, user and system


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pytest_args", nargs="*", help="what pytest runs (default: bin/test's parallel run of tests)")
    args = parser.parse_args()
    if os.geteuid() != 0:
        parser.error("process accounting (and the suite's capture) needs root")
    command = [sys.executable, "-m", "pytest", *(args.pytest_args or [*PARALLEL, *QUIET, "tests"])]
    with tempfile.NamedTemporaryFile(prefix="wirecheck-acct-") as log:
        started = time.monotonic()
        run, records = accounted(command, Path(log.name))
        wall = time.monotonic() - started
    processes = {p.pid: p for p in records}
    server_uid = pwd.getpwnam(DEFAULT_SERVER_USER).pw_uid
    hosts_servers = {a for p in processes.values() if p.uid == server_uid for a in ancestors(p, processes)}
    by_kind: dict[str, list[Process]] = defaultdict(list)
    for process in processes.values():
        by_kind[kind(process, run.pid, server_uid, hosts_servers)].append(process)
    total = sum(p.cpu for p in processes.values())
    print(f"exit {run.returncode}, wall {wall:.1f} s, CPU {total:.1f} s in {len(processes)} processes")
    for name, members in sorted(by_kind.items(), key=lambda item: -sum(p.cpu for p in item[1])):
        cpu = sum(p.cpu for p in members)
        print(f"  {name:44s} {cpu:6.1f} s {100 * cpu / max(total, 1e-9):5.1f} %   {len(members):5d} processes, "
              f"{1000 * cpu / len(members):6.1f} ms each")
    return run.returncode


def accounted(command: list[str], log: Path) -> tuple[subprocess.Popen, list[Process]]:
    """Run `command` with process accounting into `log`; its result and every process that ended meanwhile."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.acct(str(log).encode()) != 0:
        raise OSError(ctypes.get_errno(), "acct() failed: is the kernel built without BSD process accounting?")
    try:
        run = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.DEVNULL)
        run.wait()
    finally:
        libc.acct(None)
    data = log.read_bytes()
    return run, [parse(data[offset:offset + RECORD.size]) for offset in range(0, len(data), RECORD.size)
                 if data[offset + 1] == ACCT_VERSION]


def parse(record: bytes) -> Process:
    flag, _, _, _, uid, _, pid, parent, _, _, user, system, *_, command = RECORD.unpack(record)
    return Process(pid, parent, uid, command.split(b"\0")[0].decode(errors="replace"), bool(flag & AFORK),
                   (ticks(user) + ticks(system)) / TICKS_PER_SECOND)


def ticks(comp_t: int) -> int:
    """A comp_t: 13 bits of mantissa, 3 of base-8 exponent."""
    return (comp_t & 0x1FFF) << (3 * (comp_t >> 13))


def kind(process: Process, run_pid: int, server_uid: int, hosts_servers: set[int]) -> str:
    if process.pid == run_pid:
        return "the run's pytest (the xdist controller)"
    if process.uid == server_uid:
        return "forked children of the servers" if process.forked_only else "servers (run as the servers' user)"
    if not process.command.startswith("python"):
        return process.command + (" (forked)" if process.forked_only else "")
    if process.parent == run_pid:
        return "xdist workers"
    if process.pid in hosts_servers:
        return "nested pytest runs (and their workers)"
    return "other Python: clients, probes" + (" (forked)" if process.forked_only else "")


def ancestors(process: Process, processes: dict[int, Process]) -> list[int]:
    found = []
    while process.parent in processes and process.parent not in found:
        found.append(process.parent)
        process = processes[process.parent]
    return found


if __name__ == "__main__":
    sys.exit(main())
