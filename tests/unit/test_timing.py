"""The timing tolerance rule: the larger of a 4 ms floor and 12.5 % of the expected gap, boundaries included."""

import pytest

from wirecheck.checks._timing import DEFAULT_FLOOR_SECONDS, DEFAULT_FRACTION, Tolerance, seconds


def test_defaults_are_4_ms_and_12_5_percent():
    assert (Tolerance().floor, Tolerance().fraction) == (DEFAULT_FLOOR_SECONDS, DEFAULT_FRACTION) == (0.004, 0.125)


@pytest.mark.parametrize(("expected", "tolerance"), [(0.0, 0.004), (0.01, 0.004), (0.032, 0.004), (0.5, 0.0625),
                                                     (1.0, 0.125), (2.0, 0.25)])
def test_of_is_the_larger_of_floor_and_fraction(expected, tolerance):
    assert Tolerance().of(expected) == pytest.approx(tolerance, abs=1e-12)


def test_of_zero_is_exactly_the_floor_and_of_one_second_exactly_an_eighth():
    assert Tolerance().of(0) == 0.004
    assert Tolerance().of(1.0) == 0.125


@pytest.mark.parametrize(("expected", "actual"), [(0.0, 0.004), (0.0, 0.0), (1.0, 1.125), (1.0, 0.875),
                                                  (2.0, 2.25), (2.0, 1.75)])
def test_allows_gaps_on_the_boundary(expected, actual):
    assert Tolerance().allows(expected, actual)


@pytest.mark.parametrize(("expected", "actual"), [(0.0, 0.0041), (1.0, 1.126), (1.0, 0.874), (2.0, 2.2501),
                                                  (0.0, -0.0041)])
def test_refuses_gaps_just_past_the_boundary(expected, actual):
    assert not Tolerance().allows(expected, actual)


def test_custom_floor_and_fraction_are_used():
    tolerance = Tolerance(floor=0.5, fraction=0.5)
    assert (tolerance.of(0.25), tolerance.of(2.0)) == (0.5, 1.0)
    assert tolerance.allows(2.0, 3.0) and not tolerance.allows(2.0, 3.01)


def test_str_states_the_rule_in_words():
    assert str(Tolerance()) == "max(4 ms, 12.5 % of the expected gap)"


@pytest.mark.parametrize(("value", "signed", "text"), [(0.05, False, "50.000 ms"), (0.0, True, "+0.000 ms"),
                                                       (-0.002, True, "-2.000 ms"), (1.0, False, "1.000 s"),
                                                       (1.0, True, "+1.000 s"), (0.1, False, "0.100 s")])
def test_seconds_shows_milliseconds_below_a_tenth_of_a_second_and_seconds_above(value, signed, text):
    assert seconds(value, signed=signed) == text
