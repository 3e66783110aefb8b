"""Loads the wirecheck pytest plugin in a clone that has not installed it (PYTHONPATH or bin/test).

Where wirecheck is installed, its `pytest11` entry point has loaded the plugin already, under the
same name (wirecheck.plugin), and pytest skips a plugin registered under the name asked for; under
another name pytest would refuse it ("Plugin already registered under a different name").
"""

import os
import sys

import pytest

from wirecheck._option_names import ini_key

pytest_plugins = ["wirecheck.plugin"]

# A run starts some forty Python processes (xdist workers, nested gate runs) that import wirecheck and rewrite the
# test modules' asserts; cached bytecode spares each about 1 s of CPU. Some machines turn caching off (these
# export PYTHONDONTWRITEBYTECODE=1): not for this suite, whether it runs through bin/test, bin/repeat or pytest.
sys.dont_write_bytecode = False
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)  # for the processes it starts

# The suite's tests mostly wait (for a server, a timeout, the wire), so one worker per core leaves the cores
# half idle: `-n auto` (the suite's default, pyproject.toml's addopts) starts four per core (the suite used 55 % of
# two cores with three per core; five per core was slower again, the waits stretched by the load). Not for a
# --wire-server gate run: its properties time the server under test, which gets the cores to itself as before.
# PYTEST_XDIST_AUTO_NUM_WORKERS still overrides it.
WORKERS_PER_CORE = 4


# pytest-xdist's options that the suite's addopts (pyproject.toml) name. Without xdist (`-p no:xdist`) pytest would
# refuse them ("unrecognized arguments"): declared here instead, they are accepted and ignored, and the run is serial.
XDIST_ADDOPTS = ("--numprocesses", "--dist", "--maxschedchunk")


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    if pluginmanager.has_plugin("xdist"):  # entry point plugins load before this conftest: xdist is in, or never
        return
    group = parser.getgroup("xdist", "pytest-xdist is not loaded (-p no:xdist): the run is serial")
    for name in XDIST_ADDOPTS:
        group.addoption(name, action="store", help="pytest-xdist's, ignored: it is not loaded")


@pytest.hookimpl(optionalhook=True)  # -p no:xdist leaves the hook undefined
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS") or config.getoption(ini_key("server"), None):
        return None  # pytest-xdist's own: the variable, else one worker per core
    return WORKERS_PER_CORE * len(os.sched_getaffinity(0))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slow tests first: handed out one or two at a time (addopts' --dist load --maxschedchunk 2), they
    spread over the workers and overlap the short tests, instead of running last, side by side, on idle cores."""
    items.sort(key=_slowness)  # stable: otherwise in collection order


def _slowness(item: pytest.Item) -> float:
    """The order key: minus the seconds a slow test says it takes (slow(seconds=N); 1 when it does not say), 0
    for the rest, so that the longest start first and no worker is left with one at the end."""
    marker = item.get_closest_marker("slow")
    return -marker.kwargs.get("seconds", 1) if marker else 0
