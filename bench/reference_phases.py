"""Phase timing for a revision older than wirecheck._phases: a pytest plugin that wraps its functions.

bench/suite_speed.py copies wirecheck/phases.py and wirecheck/phases_plugin.py into the
reference revision's temporary worktree and loads this plugin there (`-p reference_phases`),
so the old code is timed at the same places as the new one is by its own instrumentation:
server start, capture start and stop, analysis, pcapng writing, tshark (which the old code
runs once per test, on the main thread). Nothing outside that temporary worktree changes.
"""

import functools
from collections.abc import Callable

import pytest

from wirecheck import _phases as phases
from wirecheck.capture import _loopback as capture
from wirecheck.capture import _pcapng_writer as pcapng
from wirecheck.plugin import _phase_timing as phases_plugin
from wirecheck.server import _process as procs
from wirecheck.server import _session as session
from wirecheck.tshark import _check as tshark

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
    return timed


def pytest_configure(config: pytest.Config) -> None:
    for owner, attribute, phase in WRAPPED:
        setattr(owner, attribute, _timed(getattr(owner, attribute), phase))
    phases_plugin.register(config)
