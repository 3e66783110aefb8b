"""The contract's properties that a --tls run skips, and why: each reason ends "not over TLS yet: ..."; and those
that only a --tls run has (how a TLS connection ends), which a plain run skips.

The properties not listed run over TLS: the checks read the HTTP exchange from the decrypted records
(Connection.stream), its times from the frames that completed them (an upload answered early is lingered for from
the client's ACK of the frame that completed the answer's last record), and how the connection ended from TCP, but
who closed first from the close_notify when it came before the FINs (Connection.close_begun). A head trickled a
byte at a time is a record a byte; a silent client sends not even its ClientHello; a client held up behind others
waits from its ClientHello, as a busy server puts off its handshake. A half-closing client sends its close_notify with
its FIN and reads on (TLS 1.3's close_notify closes only its sender's write side, RFC 8446 §6.1; under TLS 1.2 it
closes the session both ways, RFC 5246 §7.2.1, and the request before it need not be answered). The rude clients of
bad input speak TLS where it means something (an oversized request, a half-close, a reset mid-response); a connection
closed before its ClientHello and bytes that are no TLS at all stay raw TCP, as rude to a TLS server as to any. The
graceful stop's clients wait for the server's next word without blocking on records that carry no data (session
tickets), and an upload whose close_notify came before the stop signal had been closed before it.
Those listed drive raw-TCP clients (a window that does not open, crowds of bare connections) that do not speak TLS
yet. Each entry leaves this table when its clients (wirecheck.server._dialer) can do it.
"""

RAW_TCP = "its clients speak raw TCP"

NOT_OVER_TLS = {
    "descriptor-limit": f"{RAW_TCP} (a crowd past the open-files limit)",
    "slow-reader": f"{RAW_TCP} (a window that does not open)",
    "crowd": f"{RAW_TCP} (a crowd of idle connections)",
}

TLS_ONLY = {"close-notify-before-fin", "close-notify-answered", "no-truncation"}
