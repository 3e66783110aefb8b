"""The profile of a run, from the reports that reach the controller: each test's phases and its record's figures."""

from pathlib import Path

import pytest

from wirecheck.plugin import _results as results
from wirecheck.plugin._profiling import ProfileAndBaseline
from wirecheck.plugin._settings import OPTIONS, Settings

VALUES = {option.name: option.check(option.default) if option.default else option.default for option in OPTIONS}


def report(nodeid: str, prop: str, when: str, outcome: str, **figures: float | int | str) -> pytest.TestReport:
    """A contract test's report as a worker sends it: its property, and its record so far."""
    made = pytest.TestReport(nodeid, ("t.py", 1, nodeid), {}, outcome, None, when,
                             user_properties=[("contract", prop), ("level", "MUST")])
    setattr(made, results.REPORT_ATTRIBUTE, results.TestRecord(figures=figures).to_dict())
    return made


def profile_of(*reports: pytest.TestReport) -> dict:
    values = {**VALUES, "strict": False}  # as the plugin passes them: pytest's --strict among wirecheck's options
    collector = ProfileAndBaseline(Settings.from_values(values, Path("/tmp")), values)
    for made in reports:
        collector.pytest_runtest_logreport(made)
    return collector.profile()


def test_each_property_sums_up_its_tests_figures_in_the_contracts_order():
    measured = profile_of(report("t::bad[a]", "bad-input", "call", "passed", response_delay=0.002),
                          report("t::bad[b]", "bad-input", "call", "passed", response_delay=0.004),
                          report("t::fin", "fin-in-time", "call", "passed", fin_delay=0.2),
                          report("t::fin", "fin-in-time", "teardown", "passed", fin_delay=0.2))
    assert list(measured["properties"]) == ["fin-in-time", "bad-input"]
    assert measured["properties"]["bad-input"]["tests"] == 2
    assert measured["properties"]["bad-input"]["figures"]["response_delay"]["median"] == pytest.approx(0.003)
    assert measured["properties"]["fin-in-time"]["figures"]["fin_delay"]["samples"] == 1


def test_a_test_that_failed_at_teardown_failed_and_one_skipped_at_setup_was_skipped():
    measured = profile_of(report("t::fin", "fin-in-time", "call", "passed", fin_delay=0.2),
                          report("t::fin", "fin-in-time", "teardown", "failed", fin_delay=0.2),
                          report("t::leak", "no-leak", "setup", "skipped"))
    assert measured["properties"]["fin-in-time"]["outcome"] == "failed"
    assert measured["properties"]["no-leak"] == {"level": "MUST", "outcome": "skipped", "tests": 1, "figures": {}}


def test_the_profile_keeps_the_settings_that_shape_the_figures_not_where_files_went():
    settings = profile_of(report("t::fin", "fin-in-time", "call", "passed"))["settings"]
    assert settings["burst_size"] == 128 and settings["strict"] is False
    assert not {"pcap_dir", "profile_out", "baseline", "server"} & set(settings)
