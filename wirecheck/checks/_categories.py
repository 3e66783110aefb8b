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
# Who sent the first FIN or RST.
CLIENT, SERVER, NOBODY = "client", "server", "nobody"

WORDING = {
    FIN: "FIN", RST: "RST", OPEN: "open", CLIENT_RST: "client RST", REFUSED: "refused",
    CLOSED_BEFORE_SIGNAL: "closed before the signal", ANSWERED_KEPT_ALIVE: "answered, kept alive",
    KEPT_ALIVE: "kept alive", NO_KEEP_ALIVE: "no keep-alive",
    CONTINUE: "100 Continue", FINAL_STATUS: "final status", NO_ANSWER: "none", LATE: "late",
    CLIENT: "client", SERVER: "server", NOBODY: "nobody",
}
_STATUS_THEN = re.compile(r"(?P<status>\d{3})-then-(?P<how>fin|rst)")


def status_then(status: int, how: str) -> str:
    """An error status, then the close: status_then(400, FIN) is "400-then-fin"."""
    return f"{status}-then-{how}"


def wording(category: str) -> str:
    """The category for people: "400-then-fin" reads "400 then FIN"; an unknown one (a user's own) as it is."""
    match = _STATUS_THEN.fullmatch(category)
    if match:
        return f"{match['status']} then {WORDING[match['how']]}"
    return WORDING.get(category, category)
