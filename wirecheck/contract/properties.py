"""The contract's properties, in the order the closing table shows them.

Each has a stable key (what a test's `contract` marker names), a title, a level (MUST: a
failure fails the gate; SHOULD: a failure is a warning unless --strict) and the source of
that level: an RFC 9112 section, or common practice with the upstream issues that show it.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Property:
    key: str
    title: str
    level: str  # "MUST" or "SHOULD"
    source: str


PROPERTIES = (
    Property("handshake", "three-way handshake", "MUST", "RFC 9293 §3.5"),
    Property("complete-response", "one complete response", "MUST", "RFC 9112 §6"),
    Property("fin-in-time", "closes with FIN, in time", "MUST", "RFC 9112 §9.6"),
    Property("no-waiting", "no client waits for another", "MUST", "common practice: the iterative trap"),
    Property("no-leak", "no zombies, no descriptor leak", "MUST", "common practice: benoitc/gunicorn#2707"),
    Property("bad-input", "survives bad input", "MUST", "RFC 9112 §2.2 (robustness)"),
    # Not a test: the run's profile against --baseline's (wirecheck.contract.profiling); stays last.
    Property("baseline-unchanged", "behaviour unchanged since the baseline", "MUST",
             "common practice: regressions that broke no rule, only a timing or an ending: golang/go#11745, "
             "nodejs/node#27363"),
)
BASELINE = "baseline-unchanged"
BY_KEY = {prop.key: prop for prop in PROPERTIES}


def numbered(key: str) -> str:
    """The property as the closing table names it: "3. closes with FIN, in time"."""
    prop = BY_KEY[key]
    return f"{PROPERTIES.index(prop) + 1}. {prop.title}"
