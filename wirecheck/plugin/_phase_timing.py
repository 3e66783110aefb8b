"""The pytest side of wirecheck._phases: each test call's own share, and one file per process at the end.

A test's call time minus the phases the main thread timed during it is the test's own
work and waits (clients, sleeps, polling). Under pytest-xdist every worker writes its
own file, named after the worker, and the controller, which runs no test but checks the
run's captures with tshark, writes one named "controller".
"""

import resource
import time
from collections.abc import Iterator

import pytest

from wirecheck import _phases as phases

OWN_WORK = "tests' own work and waits"


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
        name = "controller" if controller else getattr(session.config, "workerinput", {}).get("workerid", "serial")
        phases.write(name, {"wall": time.perf_counter() - self._started, "cpu": own.ru_utime + own.ru_stime,
                            "children_cpu": children.ru_utime + children.ru_stime})


def register(config: pytest.Config) -> None:
    """Time the phases of this process when WIRECHECK_PHASES asks for it."""
    if phases.directory() is not None:
        config.pluginmanager.register(PhaseTiming(), "wirecheck-phase-timing")
