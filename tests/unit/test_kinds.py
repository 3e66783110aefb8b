"""The table of problem kinds, the code that reports them and docs/reference/kinds.md's table say the same thing.

A kind is reported where a check, a claim or the wire fixture calls `problem("kind", ...)` or
`Problem("kind", ...)`; the kind is written there as a literal (or a conditional between literals),
so that searching the code for it finds where it is reported, and so does this test.
"""

import ast
import re
from pathlib import Path

import pytest

from wirecheck.checks import _kinds as kinds
from wirecheck.checks._kinds import KINDS, register_kind
from wirecheck.checks._verdict import Problem, Verdict
from wirecheck.plugin._json_run import schema

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "reference" / "kinds.md"
ROW = re.compile(r"^\| `(?P<kind>[^`]+)` \| (?P<meaning>.+) \|$")


def reported_kinds() -> dict[str, set[str]]:
    """Each kind written in a problem(...) or Problem(...) call in wirecheck/, with the modules that report it."""
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / "wirecheck").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call) and _called_name(node) in ("problem", "Problem"):
                for kind in _kind_literals(node):
                    found.setdefault(kind, set()).add(str(path.relative_to(ROOT / "wirecheck")))
    return found


def _called_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return call.func.id if isinstance(call.func, ast.Name) else None


def _kind_literals(call: ast.Call) -> list[str]:
    """The string literals of the call's kind argument (the first, or kind=)."""
    argument = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "kind"), None)
    return _literals(argument)


def _literals(expression: ast.expr | None) -> list[str]:
    """The strings an expression can evaluate to: a literal, or either branch of a conditional."""
    if isinstance(expression, ast.Constant) and isinstance(expression.value, str):
        return [expression.value]
    if isinstance(expression, ast.IfExp):
        return _literals(expression.body) + _literals(expression.orelse)
    return []


def page_rows() -> list[tuple[str, str]]:
    return [(match["kind"], match["meaning"]) for match in map(ROW.match, PAGE.read_text().splitlines()) if match]


def table() -> str:
    """The page's table as KINDS makes it, to paste when the two differ."""
    rows = (f"| `{kind}` | {meaning} |" for kind, meaning in KINDS.items())
    return "\n".join(["| kind | meaning |", "|---|---|", *rows])


def test_every_kind_in_the_table_is_reported_by_some_check_claim_or_the_wire_fixture():
    reported = reported_kinds()
    assert [kind for kind in KINDS if kind not in reported] == []


def test_every_kind_reported_in_wirecheck_is_in_the_table():
    unknown = {kind: sorted(modules) for kind, modules in reported_kinds().items() if kind not in KINDS}
    assert unknown == {}


def test_the_kinds_page_table_is_the_table_in_the_code_in_its_order():
    assert page_rows() == list(KINDS.items()), f"{PAGE.relative_to(ROOT)} should hold:\n{table()}"


def test_a_problem_of_an_unknown_kind_is_refused():
    with pytest.raises(ValueError):
        Problem("server-fin-too-late", "a kind nobody can name")


# kinds of one's own (docs/api.md invites users to write checks)

MY_KIND, MY_MEANING = "banner-late", "the server's banner came later than my protocol allows"


@pytest.fixture
def own_kinds(monkeypatch):
    """The kinds registered by this test alone: what a test registers stays out of the others'."""
    monkeypatch.setattr(kinds, "_REGISTERED", {})


def test_a_registered_kind_of_ones_own_is_reported_with_its_meaning(own_kinds):
    assert register_kind(MY_KIND, MY_MEANING) == MY_KIND
    verdict = Verdict()
    verdict.problem(MY_KIND, "expected the banner within 0.100 s, it came after 0.300 s")
    assert verdict.kinds == [MY_KIND]
    assert kinds.meaning(MY_KIND) == MY_MEANING


def test_an_unregistered_kind_is_refused_with_the_way_to_register_it(own_kinds):
    with pytest.raises(ValueError, match=r"register_kind\("):
        Problem(MY_KIND, "not registered yet")


def test_registering_again_with_the_same_meaning_is_allowed_and_with_another_refused(own_kinds):
    register_kind(MY_KIND, MY_MEANING)
    register_kind(MY_KIND, MY_MEANING)  # a module imported twice
    with pytest.raises(ValueError, match="already means"):
        register_kind(MY_KIND, "something else")
    with pytest.raises(ValueError, match="already means"):
        register_kind("no-server-fin", "my own idea of it")


@pytest.mark.parametrize("kind", ["Banner_Late", "banner late", "late-", "", "banner-2"])
def test_a_kind_named_otherwise_than_the_json_report_allows_is_refused(own_kinds, kind):
    with pytest.raises(ValueError, match="lower-case words joined by hyphens"):
        register_kind(kind, MY_MEANING)


def test_the_kind_pattern_is_the_json_reports():
    problem_schema = schema()["$defs"]["problem"]["properties"]["kind"]
    assert problem_schema["pattern"] == f"^{kinds.KIND_PATTERN.pattern}$"
