"""Phase timing for a revision older than any of wirecheck's own (before 9a6bd29): a pytest plugin that wraps its
functions.

tools/suite_speed.py copies wirecheck/_phases.py into such a reference revision's temporary
worktree and loads this plugin there beside phase_timing (PYTEST_PLUGINS), so the old code is
timed at the same places as the new one is by its own instrumentation: server start, capture
start and stop, analysis, pcapng writing, tshark (which the old code runs once per test, on the
main thread). It names that old code's flat modules (wirecheck.capture, procs, session, ...).
Nothing outside that temporary worktree changes.
"""

import functools
from collections.abc import Callable

import pytest

from wirecheck import _phases as phases
from wirecheck import capture, pcapng, procs, session, tshark

WRAPPED = (  # (owner, attribute, phase)
    (capture.LoopbackCapture, "start", "capture start"),
    (capture.LoopbackCapture, "stop", "capture stop (drain)"),
    (procs.ServerProcess, "start", "server start"),
    (procs.ServerProcess, "wait_listening", "server start"),
    (procs.ServerProcess, "stop", "server stop"),
    (session, "decode_all", "analysis"),
    (session, "connections", "analysis"),
    (pcapng, "write", "pcapng writing"),
    (tshark, "disagreements", "tshark"),
)


def _timed(function: Callable, phase: str) -> Callable:
    @functools.wraps(function)
    def timed(*args, **kwargs):
        with phases.timed(phase):
            return function(*args, **kwargs)
    timed.reference_phase = phase
    return timed


def pytest_configure(config: pytest.Config) -> None:
    """Wrap, once a process: a pytest run inside a test's process (pytester's in-process runs) configures again."""
    for owner, attribute, phase in WRAPPED:
        function = getattr(owner, attribute)
        if not hasattr(function, "reference_phase"):
            setattr(owner, attribute, _timed(function, phase))
