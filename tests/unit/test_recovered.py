"""After a crowd past the descriptor limit leaves, a fresh client is answered within 1 s, give or take the timing
tolerance (a server's periodic tick may land anywhere in that second: lighttpd took 1.005 s once in 10 runs)."""

import pytest
from crafted import NORMAL_OFFSETS, RESPONSE_DATA, SYN, T0, exchange, only_connection

from wirecheck.checks import _limits as limits
from wirecheck.checks._timing import Tolerance

ANSWERED_AT = T0 + NORMAL_OFFSETS[RESPONSE_DATA]


@pytest.mark.parametrize("took, kinds", [(0.01, []), (1.005, []), (1.2, ["not-recovered"])])
def test_a_fresh_client_answered_within_the_second_and_its_tolerance_has_recovered(took, kinds):
    verdict = limits.recovered(only_connection(exchange()), ANSWERED_AT - took, 1.0, Tolerance())
    assert verdict.kinds == kinds and verdict.figures["recovery_time"] == pytest.approx(took)


def test_a_fresh_client_never_answered_has_not_recovered():
    unanswered = only_connection(exchange()[:RESPONSE_DATA])
    verdict = limits.recovered(unanswered, T0 + NORMAL_OFFSETS[SYN], 1.0, Tolerance())
    assert verdict.kinds == ["not-recovered"]
