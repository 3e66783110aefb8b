"""The public API is declared: `wirecheck.__all__`, each name the object of its home module, the table of docs/api.md
listing exactly those names, and each of their modules type-checked strictly (bin/typecheck). The names load on
first use, so that the analysis imports without pytest."""

import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

import wirecheck
from wirecheck import checks

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "api.md"
NAME_CELL = re.compile(r"^\| `(?P<name>\w+)` \|(?P<what>.*)\|$")
# Followed by the type check, not checked strictly: Settings.from_values reads the options' values untyped.
CHECKED_LATER = {"wirecheck.plugin._settings"}


def page_rows() -> dict[str, str]:
    """The table of public names on docs/api.md (the only table there whose first cell is a name in backquotes):
    each name and what it says of it."""
    return {match["name"]: match["what"] for match in map(NAME_CELL.match, PAGE.read_text().splitlines()) if match}


@pytest.mark.parametrize("name", wirecheck.__all__)
def test_each_public_name_is_the_object_of_its_home_module(name):
    home = wirecheck._HOMES[name]
    expected = importlib.import_module(home)
    assert getattr(wirecheck, name) is (expected if name == "checks" else getattr(expected, name))


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'Conection'"):
        wirecheck.Conection  # noqa: B018


def test_the_api_page_lists_exactly_the_public_names_in_their_order():
    assert list(page_rows()) == wirecheck.__all__


def test_the_api_page_row_of_checks_names_exactly_their_public_functions():
    named = re.findall(r"`(\w+)\(", page_rows()["checks"])
    assert sorted(set(named)) == sorted(checks.__all__)
    assert all(callable(getattr(checks, name)) for name in checks.__all__)


def test_the_type_check_covers_the_module_of_every_public_name():
    checked = {path.removesuffix(".py").replace("/", ".").removesuffix(".__init__")
               for path in tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]["files"]}
    assert {"wirecheck", *wirecheck._HOMES.values()} - CHECKED_LATER <= checked


def test_the_analysis_imports_without_pytest():
    """A pytest plugin is loaded in every run of its environment: its package must not pull in all of itself."""
    done = subprocess.run([sys.executable, "-c", "import sys, wirecheck, wirecheck.checks; "
                                                 "from wirecheck import Connection, Verdict; "
                                                 "print(sorted(m for m in ('pytest', 'scapy') if m in sys.modules))"],
                          capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == ["[]"], done.stdout + done.stderr
