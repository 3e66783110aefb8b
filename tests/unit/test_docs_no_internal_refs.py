"""No page of the documentation (README.md, docs/**/*.md) names an internal issue number or a commit hash.

A reader outside the project cannot open our tracker or our history: "issue 19", "#21" or "6666eac" tell them
nothing, and go stale with a rewritten history. Upstream issues stay welcome, written as owner/repo#N (a list may
go on with ", #N": benoitc/gunicorn#922, #2529), and so do hex strings that are not commits: 0x-prefixed numbers,
and digests longer than 40 characters.
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").rglob("*.md")])

UPSTREAM = re.compile(r"\b[\w.-]+/[\w.-]+#\d+(?:,\s*#\d+)*")  # owner/repo#N, #M: another project's tracker
INTERNAL_ISSUE = re.compile(r"\b(?:issues?|PR|pull request)\s+#?\d+\b|(?<![\w&/#])#\d+\b", re.IGNORECASE)
# 7 to 40 lower-case hex characters, at least one digit and one letter, a word of their own, not 0x...
COMMIT_HASH = re.compile(r"(?<![\w./-])(?!0x)(?=[0-9a-f]*[a-f])(?=[0-9a-f]*[0-9])[0-9a-f]{7,40}(?![\w/-])")


def offences(text: str) -> list[str]:
    """Each line that names an internal issue or a commit hash, with what it names."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        without_upstream = UPSTREAM.sub("", line)
        named = [m[0] for m in INTERNAL_ISSUE.finditer(without_upstream)] + [m[0] for m in COMMIT_HASH.finditer(line)]
        found += [f"line {number}: {name!r} in {line.strip()[:120]!r}" for name in named]
    return found


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_the_page_names_no_internal_issue_and_no_commit_hash(page):
    assert offences(page.read_text()) == []


@pytest.mark.parametrize("text", [
    "as issue 19 asked", "fixed in issue #21", "see #21 for why", "Issue 4 was fixed",
    "PR 12 made it faster", "bench/suite_speed.py --reference 6666eac", "at c19321b the gate", "commit 583b829e",
    "wirecheck 0a1b2c3d4e5f60718293a4b5c6d7e8f901234567"])
def test_internal_references_are_found(text):
    assert offences(text) != []


@pytest.mark.parametrize("text", [
    "common practice: benoitc/gunicorn#922, #2529, #3397; puma/puma#1685", "nodejs/node#17749",
    "| # | property | level |", "  +0.004499  S -> C  [RA]  ack=61", "history ShADadfF", "0xdeadbeef12",
    "a 64-character digest 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "captures/test_basics/test_3.pcapng", "2026-12-04 20:51 UTC, 1708 s", "accede to it", "defaced",
    "&#8212;", "version 1.4.69", "the table's 10 rows"])
def test_upstream_references_and_other_hex_are_not_flagged(text):
    assert offences(text) == []
