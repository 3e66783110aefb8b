"""A pytest plugin for tools/suite_speed.py: each test call's own share of time, and one file of phases per process.

Not part of wirecheck: suite_speed.py loads it into the runs it times by name, through the
environment (PYTEST_PLUGINS=phase_timing, with tools/ on PYTHONPATH), so that the xdist workers
and the pytest runs that some tests start inside the suite load it too. When the environment
variable WIRECHECK_PHASES names a directory, each process writes its phases there as JSON at
the end (wirecheck._phases adds them up; revisions before the restructure wrote the same files
themselves, on the same variable). A test's call time minus the phases the main thread timed
during it is the test's own work and waits (clients, sleeps, polling). Under pytest-xdist every
worker writes its own file, named after the worker, and the controller, which runs no test but
checks the run's captures with tshark, writes one named "controller".
"""

import json
import os
import resource
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from wirecheck import _phases as phases

ENVIRONMENT = "WIRECHECK_PHASES"
OWN_WORK = "tests' own work and waits"
CONTROLLER = "controller"


def directory() -> Path | None:
    """Where the phase files go, or None when timing is off."""
    value = os.environ.get(ENVIRONMENT)
    return Path(value) if value else None


def write(name: str, totals: dict[str, float]) -> None:
    """Write this process's phases, with `totals` (session wall time, CPU, ...), as <dir>/<name>-<pid>.json."""
    target = directory()
    if target is None:
        return
    target.mkdir(parents=True, exist_ok=True)
    record = {"name": name, "pid": os.getpid(), "parent": os.getppid(), "totals": totals, **phases.totals()}
    (target / f"{name}-{os.getpid()}.json").write_text(json.dumps(record, indent=1, sort_keys=True))


class PhaseTiming:
    def __init__(self) -> None:
        self._started = time.perf_counter()

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Iterator[None]:
        started, phased = time.perf_counter(), phases.main_thread_seconds()
        try:
            return (yield)
        finally:
            phases.add(OWN_WORK, time.perf_counter() - started - (phases.main_thread_seconds() - phased))

    @pytest.hookimpl(trylast=True)  # after tshark's batch has settled
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        controller = session.config.pluginmanager.hasplugin("dsession") and not hasattr(session.config, "workerinput")
        name = CONTROLLER if controller else getattr(session.config, "workerinput", {}).get("workerid", "serial")
        write(name, {"wall": time.perf_counter() - self._started, "cpu": own.ru_utime + own.ru_stime,
                     "children_cpu": children.ru_utime + children.ru_stime})


def pytest_configure(config: pytest.Config) -> None:
    """Time this process's phases when WIRECHECK_PHASES asks for it."""
    if directory() is not None:
        config.pluginmanager.register(PhaseTiming(), "wirecheck-phase-timing")
