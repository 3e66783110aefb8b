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
    Property("no-waiting", "no client waits for another", "MUST",
             "common practice: the iterative trap; slow clients hold workers (benoitc/gunicorn#2781)"),
    Property("no-leak", "no zombies, no descriptor leak", "MUST", "common practice: benoitc/gunicorn#2707"),
    Property("bad-input", "survives bad input", "MUST", "RFC 9112 §2.2 (robustness)"),
    Property("keep-alive", "keep-alive: two requests, two responses", "MUST", "RFC 9112 §9.3"),
    Property("idle-close", "idle keep-alive ends with FIN", "MUST",
             "RFC 9112 §9.6; nodejs/node#17749, nodejs/node#27363"),
    Property("close-ends-connection", "Connection: close ends the connection", "MUST",
             "RFC 9112 §9.6; Kludex/uvicorn#2238"),
    Property("early-response-whole", "early answer to an upload is whole", "MUST",
             "RFC 9112 §9.6 (lingering close); golang/go#11745"),
    Property("no-reset-while-sending", "no RST while the client still sends", "SHOULD",
             "RFC 9112 §9.6 (lingering close); hyperium/hyper#3078, h2o/h2o#2534"),
    Property("half-close", "half-close: answered, then FIN", "SHOULD",
             "common practice: golang/go#18527, elastic/elasticsearch#11466"),
    Property("http-1.0", "HTTP/1.0: response, then FIN", "MUST", "RFC 9112 §9.3; envoyproxy/envoy#7123"),
    Property("expect-continue", "100-continue answered within 1 s", "SHOULD",
             "RFC 9110 §10.1.1; 1 s is curl's wait"),
    Property("no-close-wait", "no CLOSE_WAIT when clients close first", "MUST",
             "RFC 9293 §3.6 (a close is answered by a close); Kludex/uvicorn#1199, benoitc/gunicorn#2707"),
    Property("header-timeout", "slow request heads are cut off", "SHOULD",
             "common practice: benoitc/gunicorn#2781, nodejs/node#33440"),
    Property("graceful-stop", "stops gracefully", "SHOULD",
             "common practice: benoitc/gunicorn#922, #2529, #3397; puma/puma#1685"),
    # Not a test: the run's profile against --baseline's (wirecheck.contract.profiling); stays last.
    Property("baseline-unchanged", "behaviour unchanged since the baseline", "MUST",
             "common practice: regressions that broke no rule, only a timing or an ending: golang/go#11745, "
             "nodejs/node#27363"),
)
BASELINE = "baseline-unchanged"
BY_KEY = {prop.key: prop for prop in PROPERTIES}
# Problem kinds whose level is below their property's: a rude connection left open until the client gives up
# is worth a warning (hypercorn, uvicorn, waitress and lighttpd do it), but the server did survive (bad-input).
KIND_LEVELS = {"left-open": "SHOULD"}


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
