"""What the article's servers are expected to put on the wire; the tests' own numbers.

Kept apart from the servers on purpose: a test that imported the server's response
would pass whatever the server sent.
"""

from wirecheck.article._registry import SERVERS, Accept, Duplicate

TARGET = "/hello"
STATUS = 200
BODY = b"Hello, World!\n"
# The article's own code (socket.accept()); the libc variants, which a child's exit kills or interrupts,
# have tests of their own (test_claim_sigchld_eintr.py).
ARTICLE_VARIANTS = tuple(s.name for s in SERVERS if s.accept is Accept.SOCKET)
# Of those, the forking servers that close the parent's duplicate: each connection ends with the child.
FORKING_VARIANTS = tuple(s.name for s in SERVERS if s.accept is Accept.SOCKET and s.duplicate is Duplicate.CLOSED)

# The closed-descriptor FIN is checked with no delay and with about a second, the article's
# delay scaled down; each gap must match within the --wire-timing-tolerance rule.
CLOSE_DELAYS = (0.0, 1.0)
# How long curl waits for the unclosed server's FIN before giving up: far past the closed
# variant's FIN (a few ms with no delay), so a FIN that merely came late would still be seen.
UNCLOSED_OBSERVATION_SECONDS = 1.5
# How long the iterative server sleeps after each response in the one-at-a-time test:
# long enough that a second response that did not wait would come far earlier.
ITERATIVE_DELAY = 0.5
