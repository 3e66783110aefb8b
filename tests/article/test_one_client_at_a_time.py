"""The iterative server makes a second client wait for the first; the forking server does not.

The second client's handshake completes at once either way: the kernel answers SYNs
for the listen backlog while the server process is busy. Only its response waits:
the iterative server reaches accept() again after the first connection's delay and
close, the forking server hands each connection to a child right away.
"""

import socket

import pytest
from expectations import ITERATIVE_DELAY

from wirecheck import checks
from wirecheck.checks import _several_connections as claims
from wirecheck.clients._requests import read_until_closed, request_bytes

READ_TIMEOUT_SECONDS = ITERATIVE_DELAY + 5


def _two_overlapping_clients(port: int) -> None:
    """The first client gets its response; while the server sits in its delay, a second one asks."""
    with socket.create_connection(("127.0.0.1", port), timeout=READ_TIMEOUT_SECONDS) as first:
        first.sendall(request_bytes("/hello", "127.0.0.1", port))
        first.recv(1)  # the response has started: the server is now in its delay
        with socket.create_connection(("127.0.0.1", port), timeout=READ_TIMEOUT_SECONDS) as second:
            second.sendall(request_bytes("/hello", "127.0.0.1", port))
            read_until_closed(second)
        read_until_closed(first)


@pytest.mark.parametrize("variant, waits", [("iterative_slow", True), ("forking", False)])
def test_second_client_is_accepted_at_once_and_answered_in_turn(wire, variant, waits):
    server = wire.serve(variant, delay=ITERATIVE_DELAY)
    _two_overlapping_clients(server.port)
    first, second = wire.connections(2)
    wire.expect(checks.handshake(second, tolerance=wire.tolerance))
    wire.expect(claims.second_waits_for_first(first, second, waits))
