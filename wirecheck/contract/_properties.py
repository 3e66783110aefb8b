"""The contract's properties, in the order the closing table shows them.

Each has a stable key (what a test's `contract` marker names), a title, a level (MUST: a
failure fails the gate; SHOULD: a failure is a warning unless --strict) and the source of
that level: an RFC 9112 section, or common practice with the upstream issues that show it.
The rows are the table in properties.toml beside this file.
"""

import sys
from dataclasses import dataclass
from importlib import resources

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib


@dataclass(frozen=True)
class Property:
    key: str
    title: str
    level: str  # "MUST" or "SHOULD"
    source: str


PROPERTIES = tuple(Property(**row) for row in tomllib.loads(
    resources.files("wirecheck.contract").joinpath("properties.toml").read_text())["property"])
BASELINE = "baseline-unchanged"
BY_KEY = {prop.key: prop for prop in PROPERTIES}
# Problem kinds whose level is below their property's: a rude connection left open until the client gives up
# is worth a warning (hypercorn, uvicorn, waitress and lighttpd do it), but the server did survive (bad-input); a
# client that does not read, kept past --wire-send-timeout, costs the server memory, but others are served
# (slow-reader): nginx and apache keep one 60 s by default.
KIND_LEVELS = {"left-open": "SHOULD", "slow-reader-not-cut-off": "SHOULD"}


def level_of(key: str, kinds: list[str]) -> str:
    """The level a failure of property `key` has: the property's, or lower when every problem is of a kind
    whose level is lower (KIND_LEVELS)."""
    level = BY_KEY[key].level
    if kinds and all(KIND_LEVELS.get(kind, level) == "SHOULD" for kind in kinds):
        return "SHOULD"
    return level


def numbered(key: str) -> str:
    """The property as the closing table names it: "3. closes with FIN, in time"."""
    prop = BY_KEY[key]
    return f"{PROPERTIES.index(prop) + 1}. {prop.title}"
