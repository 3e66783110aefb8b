"""The levels page's table (docs/levels.md) is the contract's table of properties (contract/_properties.py)."""

import re
from pathlib import Path

from wirecheck.contract._properties import PROPERTIES

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "levels.md"
ROW = re.compile(r"^\| \d+ \| .+ \|$")


def table() -> str:
    """The page's table as PROPERTIES makes it, to paste when the two differ."""
    rows = (f"| {number} | {prop.title} | {prop.level} | {prop.source} |"
            for number, prop in enumerate(PROPERTIES, start=1))
    return "\n".join(["| # | property | level | source |", "|---|---|---|---|", *rows])


def test_the_levels_page_table_is_the_table_of_properties_in_its_order():
    rows = [line for line in PAGE.read_text().splitlines() if ROW.match(line)]
    expected = table().splitlines()[2:]
    assert rows == expected, f"{PAGE.relative_to(ROOT)} should hold:\n{table()}"
