"""A failure's level: its property's, lowered only when every problem is of a kind with a lower level."""

from wirecheck.checks._kinds import KINDS
from wirecheck.contract._properties import KIND_LEVELS, PROPERTIES, level_of


def test_every_kind_with_a_level_of_its_own_is_a_known_kind_and_a_level():
    assert set(KIND_LEVELS) <= set(KINDS) and set(KIND_LEVELS.values()) <= {"MUST", "SHOULD"}


def test_a_must_property_failing_only_on_left_open_is_a_should():
    assert [p.level for p in PROPERTIES if p.key == "bad-input"] == ["MUST"]
    assert level_of("bad-input", ["left-open"]) == "SHOULD"


def test_any_other_kind_beside_it_keeps_the_propertys_level():
    assert level_of("bad-input", ["left-open", "server-died"]) == "MUST"
    assert level_of("bad-input", ["server-died"]) == "MUST"
    assert level_of("header-timeout", ["head-not-cut-off"]) == "SHOULD"
