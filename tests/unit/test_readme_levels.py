"""The README's table of levels is the contract's table of properties (wirecheck/contract/properties.py)."""

import re
from pathlib import Path

from wirecheck.contract._properties import PROPERTIES

ROOT = Path(__file__).resolve().parents[2]
README_SECTION = "### Levels"
ROW = re.compile(r"^\| \d+ \| .+ \|$")


def table() -> str:
    """The README's table as PROPERTIES makes it, to paste when the two differ."""
    rows = (f"| {number} | {prop.title} | {prop.level} | {prop.source} |"
            for number, prop in enumerate(PROPERTIES, start=1))
    return "\n".join(["| # | property | level | source |", "|---|---|---|---|", *rows])


def test_the_readme_table_of_levels_is_the_table_of_properties_in_its_order():
    text = (ROOT / "README.md").read_text()
    assert README_SECTION in text, f"the README has no section {README_SECTION!r}"
    section = text.split(README_SECTION, 1)[1].split("\n#", 1)[0]
    rows = [line for line in section.splitlines() if ROW.match(line)]
    expected = table().splitlines()[2:]
    assert rows == expected, f"the README's section {README_SECTION!r} should hold:\n{table()}"
