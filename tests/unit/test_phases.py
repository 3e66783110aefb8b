"""Phase timing adds up only when WIRECHECK_PHASES asks for it, keeps a helper thread's time apart from the
main thread's, and writes one JSON file per process."""

import json
import threading
import time

import pytest

from wirecheck import _phases as phases

NAP_SECONDS = 0.02
NAMES = ("off", "unit test: main thread", "unit test: helper thread")  # the phases these tests time


@pytest.fixture(autouse=True)
def forget_its_phases():
    """Afterwards, these tests' phases leave the process's totals, which bench/suite_speed.py reads. (Swapping the
    totals for the test would lose what tshark's helper thread adds meanwhile.)"""
    yield
    for totals in (phases._seconds, phases._counts, phases._main_thread):
        for name in NAMES:
            totals.pop(name, None)


def nap(phase: str) -> None:
    with phases.timed(phase):
        time.sleep(NAP_SECONDS)


def test_nothing_is_timed_or_written_when_the_variable_is_unset(monkeypatch, tmp_path):
    monkeypatch.delenv(phases.ENVIRONMENT, raising=False)
    before = phases.main_thread_seconds()
    nap("off")
    phases.write("off", {})
    assert phases.main_thread_seconds() == before
    assert not list(tmp_path.iterdir())


def test_a_helper_threads_phase_is_counted_but_not_as_main_thread_time(monkeypatch, tmp_path):
    monkeypatch.setenv(phases.ENVIRONMENT, str(tmp_path))
    before = phases.main_thread_seconds()
    nap("unit test: main thread")
    helper = threading.Thread(target=nap, args=("unit test: helper thread",))
    helper.start()
    helper.join()
    assert NAP_SECONDS <= phases.main_thread_seconds() - before < 2 * NAP_SECONDS + 0.5
    phases.write("unit", {"wall": 1.0})
    record = json.loads(next(tmp_path.glob("unit-*.json")).read_text())
    assert record["totals"] == {"wall": 1.0}
    assert record["phases"]["unit test: helper thread"] >= NAP_SECONDS
    assert "unit test: helper thread" not in record["main_thread"]
    assert record["main_thread"]["unit test: main thread"] >= NAP_SECONDS
