"""Figures' categories are stable identifiers, each with its wording for people in one place."""

import re

import pytest

from wirecheck.checks import _categories as category
from wirecheck.checks._categories import WORDING, status_then, wording


def test_every_category_is_an_identifier_with_a_wording():
    identifiers = {value for name, value in vars(category).items() if name.isupper() and isinstance(value, str)}
    assert identifiers == set(WORDING)
    assert [value for value in identifiers if not re.fullmatch(r"[0-9a-z]+(-[0-9a-z]+)*", value)] == []


@pytest.mark.parametrize("identifier, words", [
    (status_then(400, category.FIN), "400 then FIN"), (status_then(431, category.RST), "431 then RST"),
    (category.ANSWERED_KEPT_ALIVE, "answered, kept alive"), (category.CONTINUE, "100 Continue"),
    ("a-users-own", "a-users-own"), ("-", "-")])
def test_wording_is_for_people_and_leaves_an_unknown_category_as_it_is(identifier, words):
    assert wording(identifier) == words
