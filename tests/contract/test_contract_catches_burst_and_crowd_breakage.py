"""Properties burst, crowd and no-leak each fail on a server that breaks them, by their problem kinds, and burst
and crowd pass on the reference server with their figures.

The same verdict functions the contract runs (wirecheck/contract/test_burst.py, test_crowd.py, test_basics.py) are
run here against the small broken servers of tests/broken/ or the article's forking server, which never reaps its
children, with smaller sizes than the options' defaults.
"""

import pytest
from claim_helpers import broken_server

from wirecheck.contract.test_basics import burst_leaves_no_leak
from wirecheck.contract.test_burst import burst_answered
from wirecheck.contract.test_crowd import crowd_answered
from wirecheck.plugin._settings import DEFAULT_CONTRACT_SERVER

pytestmark = pytest.mark.slow

# Far past a backlog of 1 (an accept queue of 2), well within the reference's 1024.
BURST = 32
# Past Linux's initial retransmission timeout (1 s), short of its second (3 s): the SYNs sent again are seen.
BURST_PATIENCE_SECONDS = 1.5
CROWD = 16
# Each connection of a burst leaves one more zombie on a server that never reaps.
LEAK_BURST = 8
WORKERS = 4  # tests/broken/small_worker_pool.py's


def test_a_server_with_a_backlog_of_one_and_a_slow_accept_loop_makes_a_burst_send_its_syns_again(wire):
    wire.serve_command(broken_server("listens_with_backlog_one"))
    verdict = burst_answered(wire, BURST, concurrencies=(), patience=BURST_PATIENCE_SECONDS)
    # Clients still waiting for their SYN's second retransmission give up unanswered: that too is the full queue's.
    assert "syn-retransmitted" in verdict.kinds and set(verdict.kinds) <= {"syn-retransmitted", "not-served"}, \
        verdict.problems
    assert verdict.figures["listen_backlog"] == 1 and verdict.figures["syn_retransmissions"] > 0
    assert verdict.figures["connect_p99"] >= 1.0  # Linux's initial retransmission timeout, on the wire


def test_a_server_with_a_small_pool_of_workers_that_each_hold_a_connection_leaves_a_fresh_client_waiting(wire):
    wire.serve_command(broken_server("small_worker_pool"))
    verdict = crowd_answered(wire, CROWD)
    assert verdict.kinds == ["crowded-out"], verdict.problems
    assert verdict.figures["crowd_capacity"] == WORKERS


def test_the_reference_server_answers_a_burst_and_a_crowd_and_their_figures_are_recorded(wire):
    wire.serve(DEFAULT_CONTRACT_SERVER)
    verdict = burst_answered(wire, BURST, concurrencies=(1, WORKERS))
    assert verdict.ok, verdict.problems
    assert verdict.figures["listen_backlog"] == 1024 and verdict.figures["syn_retransmissions"] == 0
    assert {"first_byte_c1_p50", "first_byte_c1_p99", "first_byte_c4_p50", "first_byte_c4_p99"} <= set(verdict.figures)


def test_the_reference_server_serves_a_fresh_client_beside_a_crowd_and_its_memory_per_connection_is_recorded(wire):
    wire.serve(DEFAULT_CONTRACT_SERVER)
    verdict = crowd_answered(wire, CROWD)
    assert verdict.ok and "crowd_capacity" not in verdict.figures, verdict.problems
    assert verdict.figures["idle_connection_memory"] > 0  # a forked child per connection


def test_a_server_that_never_reaps_its_children_leaves_a_zombie_per_connection_of_a_burst(wire):
    wire.serve(variant="forking", delay=0)
    verdict = burst_leaves_no_leak(wire, LEAK_BURST)
    assert verdict.kinds == ["zombie-children"], verdict.problems
