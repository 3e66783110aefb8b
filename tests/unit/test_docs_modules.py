"""The module map (docs/how-it-works.md) names every module of wirecheck/, and nothing that is not there."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "how-it-works.md"


def test_the_module_map_lists_every_module_of_wirecheck_and_no_other():
    listed = set(re.findall(r"^\| `wirecheck/(\w+\.py)` \|", PAGE.read_text(), re.MULTILINE))
    present = {path.name for path in (ROOT / "wirecheck").glob("*.py") if path.name != "__init__.py"}
    assert listed == present, (f"missing from {PAGE.relative_to(ROOT)}: {sorted(present - listed)}; "
                               f"gone: {sorted(listed - present)}")
