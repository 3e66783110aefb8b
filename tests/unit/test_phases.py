"""Phase timing: wirecheck._phases adds up each phase and keeps a helper thread's time apart from the main
thread's; tools/phase_timing.py, the suite-speed tool's plugin, writes one JSON file per process, and nothing unless
WIRECHECK_PHASES names a directory."""

import importlib.util
import json
import threading
import time
from pathlib import Path

import pytest

from wirecheck import _phases as phases

NAP_SECONDS = 0.02
NAMES = ("off", "unit test: main thread", "unit test: helper thread")  # the phases these tests time


def _tool(name: str):
    """A module of the clone's tools/ (not part of the package), found above this file wherever the tests sit."""
    path = next(folder / "tools" / f"{name}.py" for folder in Path(__file__).resolve().parents
                if (folder / "tools" / f"{name}.py").exists())
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


phase_timing = _tool("phase_timing")


@pytest.fixture(autouse=True)
def forget_its_phases():
    """Afterwards, these tests' phases leave the process's totals, which tools/suite_speed.py reads. (Swapping the
    totals for the test would lose what tshark's helper thread adds meanwhile.)"""
    yield
    for totals in (phases._seconds, phases._counts, phases._main_thread):
        for name in NAMES:
            totals.pop(name, None)


def nap(phase: str) -> None:
    with phases.timed(phase):
        time.sleep(NAP_SECONDS)


def test_nothing_is_written_when_the_variable_is_unset(monkeypatch, tmp_path):
    monkeypatch.delenv(phase_timing.ENVIRONMENT, raising=False)
    monkeypatch.chdir(tmp_path)
    nap("off")
    phase_timing.write("off", {})
    assert phase_timing.directory() is None
    assert not list(tmp_path.iterdir())


def test_a_helper_threads_phase_is_counted_but_not_as_main_thread_time(monkeypatch, tmp_path):
    monkeypatch.setenv(phase_timing.ENVIRONMENT, str(tmp_path))
    before = phases.main_thread_seconds()
    nap("unit test: main thread")
    helper = threading.Thread(target=nap, args=("unit test: helper thread",))
    helper.start()
    helper.join()
    assert NAP_SECONDS <= phases.main_thread_seconds() - before < 2 * NAP_SECONDS + 0.5
    phase_timing.write("unit", {"wall": 1.0})
    record = json.loads(next(tmp_path.glob("unit-*.json")).read_text())
    assert record["totals"] == {"wall": 1.0}
    assert record["phases"]["unit test: helper thread"] >= NAP_SECONDS
    assert record["counts"]["unit test: main thread"] == 1
    assert "unit test: helper thread" not in record["main_thread"]
    assert record["main_thread"]["unit test: main thread"] >= NAP_SECONDS
