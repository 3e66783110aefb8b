"""The module map (docs/how-it-works.md) names every module of wirecheck/, and nothing that is not there.

Not listed one by one: the contract's tests (one row, `wirecheck/contract/test_*.py`) and a package's `__init__.py` that
holds only its docstring.
"""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "how-it-works.md"
CONTRACT_TESTS = "wirecheck/contract/test_*.py"


def present() -> set[str]:
    found = set()
    for path in (ROOT / "wirecheck").rglob("*.py"):
        relative = path.relative_to(ROOT).as_posix()
        body = ast.parse(path.read_text()).body
        if path.name == "__init__.py" and len(body) <= 1:
            continue
        found.add(CONTRACT_TESTS if path.match(CONTRACT_TESTS) else relative)
    return found


def test_the_module_map_lists_every_module_of_wirecheck_and_no_other():
    listed = set(re.findall(r"^\| `(wirecheck/[\w/*]+\.py)` \|", PAGE.read_text(), re.MULTILINE))
    assert listed == present(), (f"missing from {PAGE.relative_to(ROOT)}: {sorted(present() - listed)}; "
                                 f"gone: {sorted(listed - present())}")
