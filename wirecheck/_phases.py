"""Seconds spent per phase of the suite's work (server start, capture, analysis, ...), per process.

Off unless the environment variable WIRECHECK_PHASES names a directory; then each process
adds up wall time per phase and writes it there as JSON at the end (bench/suite_speed.py
reads the files). Phases timed on the main thread are kept apart from those timed on
helper threads (tshark's batch), so that what a test's call spent outside every phase,
its own work and waits, can be told: its call time minus the main thread's phases.
"""

import json
import os
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ENVIRONMENT = "WIRECHECK_PHASES"

_lock = threading.Lock()
_seconds: dict[str, float] = defaultdict(float)
_counts: dict[str, int] = defaultdict(int)
_main_thread: dict[str, float] = defaultdict(float)  # the part of _seconds timed on the main thread


def directory() -> Path | None:
    """Where the phase files go, or None when timing is off."""
    value = os.environ.get(ENVIRONMENT)
    return Path(value) if value else None


@contextmanager
def timed(phase: str) -> Iterator[None]:
    """Add the time the block takes to `phase` (nothing at all when timing is off)."""
    if directory() is None:
        yield
        return
    started = time.perf_counter()
    try:
        yield
    finally:
        add(phase, time.perf_counter() - started)


def add(phase: str, seconds: float) -> None:
    with _lock:
        _seconds[phase] += seconds
        _counts[phase] += 1
        if threading.current_thread() is threading.main_thread():
            _main_thread[phase] += seconds


def main_thread_seconds() -> float:
    """All phases timed on the main thread so far."""
    with _lock:
        return sum(_main_thread.values())


def write(name: str, totals: dict[str, float]) -> None:
    """Write this process's phases, with `totals` (session wall time, CPU, ...), as <dir>/<name>-<pid>.json."""
    target = directory()
    if target is None:
        return
    target.mkdir(parents=True, exist_ok=True)
    with _lock:
        record = {"name": name, "pid": os.getpid(), "parent": os.getppid(), "totals": totals,
                  "phases": dict(_seconds), "counts": dict(_counts), "main_thread": dict(_main_thread)}
    (target / f"{name}-{os.getpid()}.json").write_text(json.dumps(record, indent=1, sort_keys=True))
