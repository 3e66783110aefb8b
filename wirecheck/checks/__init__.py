"""Verdicts on what the wire showed: one connection (the public checks below), its HTTP, how it ended, several
connections, the process table; the problem kinds and the timing tolerance. Imports the model only, never pytest.

The public checks are this package's names (`wirecheck.checks.server_closes`, ...); the modules are private.
"""

from wirecheck.checks._connection import (
    client_fin_acknowledged_unanswered,
    ends_in_state,
    handshake,
    http_exchange,
    no_server_close_before,
    response,
    server_closes,
    server_fin_between,
)

__all__ = ["handshake", "http_exchange", "response", "server_closes", "ends_in_state", "no_server_close_before",
           "server_fin_between", "client_fin_acknowledged_unanswered"]
