"""What every unit test shares."""

from collections import defaultdict

import pytest

from wirecheck import phases


@pytest.fixture(autouse=True)
def phase_totals_of_its_own(monkeypatch):
    """A unit test's phases (tshark's batch, phase timing itself) in totals of their own: the process's, which
    bench/suite_speed.py reads, stay the suite's."""
    monkeypatch.setattr(phases, "_seconds", defaultdict(float))
    monkeypatch.setattr(phases, "_counts", defaultdict(int))
    monkeypatch.setattr(phases, "_main_thread", defaultdict(float))
