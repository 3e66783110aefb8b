"""The categories a check records as a figure: one stable identifier each, and its wording for people here alone.

Profiles, baselines and the JSON report carry the identifiers ("400-then-fin", "kept-alive"); the ladder's
notes, the HTML page, the baseline's table and the survey show `wording()` ("400 then FIN", "kept alive"). A
wording may change; an identifier does not, so that a saved baseline still compares.
"""

import re

# How the server ended a connection (checks/_endings.py), and how the idle close and an upload ended.
FIN, RST, OPEN = "fin", "rst", "open"
CLIENT_RST = "client-rst"  # the client reset it first: how the server would have ended it is lost in a race
REFUSED = "refused"  # a SYN answered by RST: nothing listened
CLOSED_BEFORE_SIGNAL = "closed-before-signal"
ANSWERED_KEPT_ALIVE = "answered-kept-alive"  # a rude request the server took as one, answered and kept alive
# Keep-alive after the first response.
KEPT_ALIVE, NO_KEEP_ALIVE = "kept-alive", "no-keep-alive"
# The answer to `Expect: 100-continue`.
CONTINUE, FINAL_STATUS, NO_ANSWER, LATE = "100-continue", "final-status", "none", "late"
# How a connection past the server's descriptor limit stood while it was held, and how a client that did not read
# was let go when the server's FIN had to wait behind its closed window.
ACCEPTED, UNACCEPTED, CLOSED_UNSENT = "accepted", "unaccepted", "closed-unsent"
# Who sent the first FIN or RST.
CLIENT, SERVER, NOBODY = "client", "server", "nobody"

WORDING = {
    FIN: "FIN", RST: "RST", OPEN: "open", CLIENT_RST: "client RST", REFUSED: "refused",
    CLOSED_BEFORE_SIGNAL: "closed before the signal", ANSWERED_KEPT_ALIVE: "answered, kept alive",
    KEPT_ALIVE: "kept alive", NO_KEEP_ALIVE: "no keep-alive",
    CONTINUE: "100 Continue", FINAL_STATUS: "final status", NO_ANSWER: "none", LATE: "late",
    CLIENT: "client", SERVER: "server", NOBODY: "nobody",
    ACCEPTED: "accepted, idle", UNACCEPTED: "unaccepted", CLOSED_UNSENT: "closed, FIN behind the closed window",
}
_mixed_with = "+"  # between the categories of several connections summed up as one figure
_STATUS_THEN = re.compile(r"(?P<status>\d{3})-then-(?P<how>fin|rst)")


def status_then(status: int, how: str) -> str:
    """An error status, then the close: status_then(400, FIN) is "400-then-fin"."""
    return f"{status}-then-{how}"


def mixture(seen: list[str]) -> str:
    """The categories of several connections as one: each once, in a fixed order ("accepted+unaccepted")."""
    return _mixed_with.join(sorted(set(seen))) or NO_ANSWER


def wording(category: str) -> str:
    """The category for people: "400-then-fin" reads "400 then FIN"; an unknown one (a user's own) as it is."""
    if _mixed_with in category:
        return ", ".join(wording(part) for part in category.split(_mixed_with))
    match = _STATUS_THEN.fullmatch(category)
    if match:
        return f"{match['status']} then {WORDING[match['how']]}"
    return WORDING.get(category, category)
