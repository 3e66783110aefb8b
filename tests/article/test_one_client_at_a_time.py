"""The iterative server makes a second client wait for the first; the forking server does not.

The second client's handshake completes at once either way: the kernel answers SYNs
for the listen backlog while the server process is busy. Only its response waits:
the iterative server reaches accept() again after the first connection's delay and
close, the forking server hands each connection to a child right away.
"""

import pytest
from claim_helpers import two_overlapping_clients
from expectations import ITERATIVE_DELAY

from wirecheck import checks
from wirecheck.checks import _several_connections as claims


@pytest.mark.parametrize("variant, waits", [("iterative_slow", True), ("forking", False)])
def test_second_client_is_accepted_at_once_and_answered_in_turn(wire, variant, waits):
    server = wire.serve(variant, delay=ITERATIVE_DELAY)
    two_overlapping_clients(server.port)
    first, second = wire.connections(2)
    wire.expect(checks.handshake(second, tolerance=wire.tolerance))
    wire.expect(claims.second_waits_for_first(first, second, waits))
