"""A run against its baseline: the same behaviour is green, any change is a problem of its own kind."""

import pytest

from wirecheck.checks._timing import Tolerance
from wirecheck.contract import _profile as profile
from wirecheck.contract._baseline import BASELINE_FLOOR_SECONDS, compare
from wirecheck.contract._profile import MeasuredTest

SETTINGS_TOLERANCE = Tolerance()  # 4 ms, 12.5 %: the baseline raises the floor


def run(outcome: str = "passed", settings: dict | None = None, **figures: float | int | str) -> dict:
    """The profile of a run whose one property, "fin-in-time", ended with `outcome` and measured `figures`."""
    entry = profile.property_profile("MUST", [MeasuredTest(outcome, figures)])
    return profile.build({"fin-in-time": entry}, "server {port}", settings or {"fin_within": 1.0})


def kinds(baseline: dict, now: dict) -> list[str]:
    return compare(baseline, now, SETTINGS_TOLERANCE).verdict.kinds


def test_the_same_behaviour_is_no_change():
    measured = run(fin_delay=0.2, zombies=0, first_closer="server")
    comparison = compare(measured, measured, SETTINGS_TOLERANCE)
    assert comparison.verdict.kinds == []
    assert [row.verdict for row in comparison.rows] == ["same"] * 4


@pytest.mark.parametrize("now", [0.2 + 0.024, 0.2 - 0.024, 0.2 + BASELINE_FLOOR_SECONDS * 0.9],
                         ids=["12.5% slower", "12.5% faster", "below the floor"])
def test_a_timing_within_the_tolerance_rule_is_no_change(now):
    assert kinds(run(fin_delay=0.2), run(fin_delay=now)) == []


def test_a_timeout_that_doubled_is_a_timing_change_on_that_figure():
    comparison = compare(run(fin_delay=0.2, response_delay=0.001), run(fin_delay=0.4, response_delay=0.001),
                         SETTINGS_TOLERANCE)
    assert comparison.verdict.kinds == ["timing-changed"]
    assert [row.figure for row in comparison.rows if row.changed] == ["fin_delay"]
    assert "!! changed" in comparison.table()


def test_milliseconds_of_loopback_noise_are_no_change_though_the_settings_floor_is_4_ms():
    assert kinds(run(response_delay=0.002), run(response_delay=0.030)) == []


def test_the_syn_ack_delay_is_shown_and_never_compared():
    comparison = compare(run(syn_ack_delay=0.00001), run(syn_ack_delay=0.5), SETTINGS_TOLERANCE)
    assert comparison.verdict.kinds == []
    assert comparison.rows[-1].verdict.startswith("not compared")


@pytest.mark.parametrize("before, after", [
    ({"first_closer": "server"}, {"first_closer": "client"}),
    ({"end": "fin"}, {"end": "rst"}),
    ({"end": "fin"}, {"end": 3}),
], ids=["who-closes-first-flips", "fin-becomes-rst", "another-type"])
def test_a_category_that_changed_is_a_category_change(before, after):
    assert kinds(run(**before), run(**after)) == ["category-changed"]


def test_a_count_that_changed_by_one_is_a_count_change():
    assert kinds(run(zombies=0, descriptors_after=4), run(zombies=1, descriptors_after=4)) == ["count-changed"]


def test_an_outcome_that_changed_is_an_outcome_change():
    assert kinds(run("passed"), run("failed")) == ["outcome-changed"]


def test_a_figure_no_longer_measured_is_a_change_of_its_type():
    assert kinds(run(fin_delay=0.2, zombies=0), run()) == ["timing-changed", "count-changed"]


def test_what_the_baseline_lacks_or_this_run_left_out_is_shown_as_not_compared():
    baseline = run(fin_delay=0.2)
    baseline["properties"]["no-leak"] = profile.property_profile("MUST", [MeasuredTest("passed", {"zombies": 0})])
    now = run(fin_delay=0.2, drain_time=1.0)
    now["properties"]["keep-alive"] = profile.property_profile("MUST", [MeasuredTest("passed", {})])
    comparison = compare(baseline, now, SETTINGS_TOLERANCE)
    assert comparison.verdict.kinds == []
    assert {(row.prop, row.figure): row.verdict for row in comparison.rows if row.verdict != "same"} == {
        ("fin-in-time", "drain_time"): "not compared: not in the baseline",
        ("no-leak", "outcome"): "not compared: not run",
        ("keep-alive", "outcome"): "not compared: not in the baseline"}


def test_settings_that_differ_are_said_above_the_table():
    comparison = compare(run(settings={"burst_size": 50}), run(settings={"burst_size": 10}), SETTINGS_TOLERANCE)
    assert "burst_size 50 -> 10" in comparison.table().splitlines()[2]


def under_load(**figures: float | int) -> dict:
    """The profile of a run whose property "burst" measured `figures` (those of wirecheck/contract/test_burst.py and
    test_crowd.py, compared by their rules under load)."""
    entry = profile.property_profile("SHOULD", [MeasuredTest("passed", figures)])
    return profile.build({"burst": entry}, "server {port}", {"fin_within": 1.0})


@pytest.mark.parametrize("before, after", [
    ({"first_byte_c64_p99": 0.08}, {"first_byte_c64_p99": 0.4}),
    ({"connect_p50": 1.003}, {"connect_p50": 1.03}),
    ({"idle_connection_memory": 10_500_000}, {"idle_connection_memory": 12_000_000}),
    ({"idle_connection_memory": 26_000}, {"idle_connection_memory": 40_000}),
    ({"syn_retransmissions": 120}, {"syn_retransmissions": 99}),
    ({"accept_queue_peak": 118}, {"accept_queue_peak": 6}),
    ({"connect_p99": 0.00002}, {"connect_p99": 3.0}),
], ids=["latency-under-load", "connect-p50", "memory-within-the-ratio", "memory-within-the-floor",
        "syn-retransmissions-still-some", "accept-queue-peak-not-compared", "connect-p99-not-compared"])
def test_figures_under_load_that_move_from_run_to_run_are_no_change(before, after):
    assert compare(under_load(**before), under_load(**after), SETTINGS_TOLERANCE).verdict.kinds == []


@pytest.mark.parametrize("before, after, kind", [
    ({"first_byte_c64_p99": 0.08}, {"first_byte_c64_p99": 1.2}, "timing-changed"),
    ({"connect_p50": 0.00001}, {"connect_p50": 1.0}, "timing-changed"),
    ({"idle_connection_memory": 26_000}, {"idle_connection_memory": 10_500_000}, "count-changed"),
    ({"idle_connection_memory": 10_500_000}, {"idle_connection_memory": 4_000_000}, "count-changed"),
    ({"syn_retransmissions": 0}, {"syn_retransmissions": 3}, "count-changed"),
    ({"first_byte_c1_p50": 0.001}, {}, "timing-changed"),
], ids=["latency-past-the-floor", "connects-began-to-wait", "memory-grew", "memory-shrank", "syns-sent-again",
        "not-measured-any-more"])
def test_figures_under_load_that_changed_beyond_their_rule_are_a_change(before, after, kind):
    comparison = compare(under_load(**before), under_load(**after), SETTINGS_TOLERANCE)
    assert comparison.verdict.kinds == [kind]
    assert [row.verdict.startswith("changed") for row in comparison.rows] == [False, True]
