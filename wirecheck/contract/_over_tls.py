"""The contract's properties that a --tls run skips, and why: each reason ends "not over TLS yet: ..."; and those
that only a --tls run has (how a TLS connection ends), which a plain run skips.

Two reasons. Some properties drive raw-TCP clients (a half-close, a reset, bytes trickled, a window that does not
open, crowds of bare connections) that do not speak TLS yet. Most judge the HTTP exchange, which the analysis
reads from the captured bytes: over TLS those are records it does not decrypt yet. Only what TCP and the process
table show is judged over TLS today: the handshake, and no leak after a burst. Each entry leaves this table when
its clients (wirecheck.server._dialer) or the analysis (a key log) can do it.
"""

ANALYSIS = "the analysis does not decrypt the exchange yet, and this property judges its HTTP"
RAW_TCP = "its clients speak raw TCP"

NOT_OVER_TLS = {
    "complete-response": ANALYSIS,
    "fin-in-time": ANALYSIS,
    "no-waiting": f"{ANALYSIS}; {RAW_TCP} (a trickled head)",
    "bad-input": f"{RAW_TCP} (bytes that are not TLS, a half-close, a reset)",
    "keep-alive": ANALYSIS,
    "idle-close": ANALYSIS,
    "close-ends-connection": ANALYSIS,
    "early-response-whole": f"{RAW_TCP} (an upload sent past the server's answer)",
    "no-reset-while-sending": f"{RAW_TCP} (an upload sent past the server's answer)",
    "half-close": f"{RAW_TCP} (shutdown(SHUT_WR), which TLS has no word for)",
    "http-1.0": ANALYSIS,
    "expect-continue": ANALYSIS,
    "no-close-wait": ANALYSIS,
    "header-timeout": f"{RAW_TCP} (a head trickled a byte at a time)",
    "graceful-stop": f"{ANALYSIS}; {RAW_TCP} (an upload in flight)",
    "burst": ANALYSIS,
    "descriptor-limit": f"{RAW_TCP} (a crowd past the open-files limit)",
    "slow-reader": f"{RAW_TCP} (a window that does not open)",
    "crowd": f"{RAW_TCP} (a crowd of idle connections)",
}

TLS_ONLY = {"close-notify-before-fin", "close-notify-answered", "no-truncation"}
