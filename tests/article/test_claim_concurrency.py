"""K clients at once: the iterative server answers them one delay apart, the forking server all within one delay.

The article's client3 port starts K client processes together, each sending GET /hello
and reading until the server closes. The iterative server (3a) serves one connection,
sleeps its delay, closes, and only then accepts the next: in the capture the responses
stand one delay apart. The forking server (3c) hands each connection to a child at
once: every response follows its own request within milliseconds, and the whole burst
is answered and closed within about one delay.
"""

import pytest
from claim_helpers import client3
from expectations import BODY, STATUS, TARGET

from wirecheck import checks
from wirecheck.checks import _several_connections as claims

# Four clients at once: three gaps to measure, and fewer than the iterative server's accept queue
# holds (backlog 5 + 1), so no SYN waits for a retransmission (see test_claim_backlog.py).
CLIENTS = 4
# The server's delay per connection: about a hundred times what accept() and fork() take here, so a
# response that waited and one that did not cannot be confused; the tolerance on it is 25 ms.
DELAY = 0.2


def k_clients_at_once(wire, variant: str) -> list:
    """Start `variant`, let CLIENTS client3 processes ask it at once, return their connections."""
    session = wire.serve(variant, delay=DELAY)
    summary = client3(session.port, CLIENTS)
    assert f"{CLIENTS} answered" in summary, f"expected client3 to report {CLIENTS} answered, it said: {summary}"
    return wire.connections(CLIENTS)


def expect_each_answered(wire, connections) -> None:
    for connection in connections:
        wire.expect(checks.http_exchange(connection, TARGET, STATUS, BODY))


def test_k_clients_at_once_then_the_iterative_server_answers_them_one_delay_apart(wire):
    found = k_clients_at_once(wire, "iterative")
    wire.expect(claims.served_in_turn(found, DELAY, wire.tolerance))
    expect_each_answered(wire, found)


def test_k_clients_at_once_then_the_forking_server_answers_each_without_waiting(wire):
    found = k_clients_at_once(wire, "forking")
    wire.expect(claims.served_together(found, DELAY, wire.tolerance))
    expect_each_answered(wire, found)


@pytest.mark.parametrize("variant, check, kind", [
    ("forking", claims.served_in_turn, "served-out-of-turn"),
    ("iterative", claims.served_together, "client-waited"),
], ids=["forking-checked-for-one-at-a-time", "iterative-checked-for-all-together"])
def test_concurrency_claims_fail_on_the_other_kind_of_server(wire, variant, check, kind):
    found = k_clients_at_once(wire, variant)
    kinds = check(found, DELAY, wire.tolerance).kinds
    assert kinds and set(kinds) == {kind}, kinds
