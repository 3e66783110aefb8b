"""Seconds spent per phase of wirecheck's work (server start, capture, analysis, pcapng writing, tshark), per process.

The instrumentation only: wirecheck.server._session and wirecheck.tshark._batch time their
phases here, always (a few clock reads per test, a handful of totals per process). Nothing in
the package reads the totals or writes them anywhere: the suite-speed tool's pytest plugin
(tools/phase_timing.py, which tools/suite_speed.py loads into the runs it times) does. Phases
timed on the main thread are kept apart from those timed on helper threads (tshark's batch), so
that what a test's call spent outside every phase, its own work and waits, can be told: its
call time minus the main thread's phases.
"""

import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_seconds: dict[str, float] = defaultdict(float)
_counts: dict[str, int] = defaultdict(int)
_main_thread: dict[str, float] = defaultdict(float)  # the part of _seconds timed on the main thread


@contextmanager
def timed(phase: str) -> Iterator[None]:
    """Add the time the block takes to `phase`."""
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


def totals() -> dict[str, dict]:
    """A copy of this process's totals so far: seconds, counts, and the main thread's seconds, by phase."""
    with _lock:
        return {"phases": dict(_seconds), "counts": dict(_counts), "main_thread": dict(_main_thread)}
