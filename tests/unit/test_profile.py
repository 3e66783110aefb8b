"""The profile: figures summed up by type, outcomes per property, a file read back only if it is a profile."""

import argparse
import json
import sys
from datetime import datetime, timezone

import pytest

from wirecheck.contract import _profile as profile
from wirecheck.contract._profile import MeasuredTest, ProfileError
from wirecheck.plugin._settings import OPTIONS

NOW = datetime(2026, 11, 28, 21, 30, tzinfo=timezone.utc)


def a_profile(**figures: float | int | str) -> dict:
    """A profile of one property, "fin-in-time", one passed test with `figures`."""
    entry = profile.property_profile("MUST", [MeasuredTest("passed", figures)])
    return profile.build({"fin-in-time": entry}, "server {port}", {"fin_within": 1.0}, NOW)


def test_timings_are_summed_up_as_median_and_max():
    assert profile.summarise([0.3, 0.1, 0.2, 1.5]) == {"type": "timing", "median": 0.25, "max": 1.5, "samples": 4}


def test_counts_are_kept_as_measured_min_and_max():
    assert profile.summarise([4, 4, 6]) == {"type": "count", "min": 4, "max": 6, "samples": 3}


def test_categories_are_the_set_of_values_seen():
    assert profile.summarise(["server", "client", "server"]) == {"type": "category", "values": ["client", "server"],
                                                                 "samples": 3}


def test_a_timing_that_came_out_whole_is_still_a_timing_and_a_flag_is_a_category():
    assert profile.summarise([0, 0.25])["type"] == "timing"
    assert profile.summarise([True, False]) == {"type": "category", "values": ["False", "True"], "samples": 2}


@pytest.mark.parametrize("outcomes, expected", [
    (["passed", "failed", "skipped"], "failed"),
    (["skipped", "passed"], "passed"),
    (["skipped", "skipped"], "skipped"),
])
def test_a_property_fails_if_any_test_failed_and_is_skipped_only_if_all_were(outcomes, expected):
    entry = profile.property_profile("SHOULD", [MeasuredTest(outcome, {}) for outcome in outcomes])
    assert (entry["outcome"], entry["tests"], entry["level"]) == (expected, len(outcomes), "SHOULD")


def test_a_figure_is_summed_up_over_the_tests_that_measured_it_only():
    entry = profile.property_profile("MUST", [MeasuredTest("passed", {"fin_delay": 0.2, "zombies": 0}),
                                              MeasuredTest("passed", {"fin_delay": 0.4})])
    assert entry["figures"]["fin_delay"]["samples"] == 2
    assert entry["figures"]["zombies"] == {"type": "count", "min": 0, "max": 0, "samples": 1}


def test_a_written_profile_reads_back_the_same(tmp_path):
    written = a_profile(fin_delay=0.2, zombies=0, first_closer="server")
    profile.write(written, tmp_path / "p.json")
    assert profile.load(tmp_path / "p.json") == written
    assert written["versions"]["server"] is None and written["date"] == "2026-11-28T21:30:00+00:00"


@pytest.mark.parametrize("content, says", [
    ("<testsuites/>", "is not JSON"),
    (json.dumps([1, 2]), "is not a wirecheck profile"),
    (json.dumps({"tests": []}), "is not a wirecheck profile"),
])
def test_a_foreign_file_is_refused_in_one_line(tmp_path, content, says):
    (tmp_path / "p.json").write_text(content)
    with pytest.raises(ProfileError, match=says) as refused:
        profile.load(tmp_path / "p.json")
    assert "\n" not in str(refused.value)


def test_a_profile_of_another_version_is_refused_with_what_to_do(tmp_path):
    (tmp_path / "p.json").write_text(json.dumps({**a_profile(), "version": 1}))
    with pytest.raises(ProfileError, match="version 1; this wirecheck reads version 2: write the baseline again"):
        profile.load(tmp_path / "p.json")


def test_a_damaged_profile_is_refused_naming_where(tmp_path):
    damaged = a_profile(fin_delay=0.2)
    del damaged["properties"]["fin-in-time"]["figures"]["fin_delay"]["median"]
    (tmp_path / "p.json").write_text(json.dumps(damaged))
    with pytest.raises(ProfileError, match="at properties/fin-in-time/figures/fin_delay"):
        profile.load(tmp_path / "p.json")


def test_a_missing_baseline_is_a_usage_error_of_the_option(tmp_path):
    check = next(option.check for option in OPTIONS if option.name == "baseline")
    with pytest.raises(argparse.ArgumentTypeError, match="cannot read"):
        check(str(tmp_path / "none.json"))


def test_reading_a_baseline_without_jsonschema_names_the_extra_that_brings_it(tmp_path, monkeypatch):
    profile.write(a_profile(fin_delay=0.2), tmp_path / "p.json")
    monkeypatch.setitem(sys.modules, "jsonschema", None)  # as in an install without the extra: import fails
    with pytest.raises(ProfileError, match=r"pip install 'wirecheck\[baseline\]'"):
        profile.load(tmp_path / "p.json")


def test_writing_a_profile_needs_no_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "jsonschema", None)  # as in an install without the extra: import fails
    profile.write(a_profile(fin_delay=0.2), tmp_path / "p.json")
    assert json.loads((tmp_path / "p.json").read_text())["format"] == profile.FORMAT
