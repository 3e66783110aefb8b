"""Each property about a server's limits fails on a server that breaks it, by its problem kind: past the
descriptor limit (a server that retries accept() at once on EMFILE spins), and a client that does not read (a
server that buffers for it forever is never cutting it off; one that serves one connection at a time starves
everyone behind it). The reference passes slow-reader here with its figures; its descriptor-limit runs in
tests/contract/test_contract.py."""

import pytest
from claim_helpers import broken_server

from wirecheck.contract.test_descriptor_limit import past_the_descriptor_limit
from wirecheck.contract.test_slow_reader import OTHER_CLIENTS, slow_reader
from wirecheck.plugin._settings import DEFAULT_CONTRACT_SERVER

pytestmark = pytest.mark.slow

# Shorter than the options' defaults: the broken servers never act, so the tests wait these out whole.
NOFILE = 32
SEND_TIMEOUT_SECONDS = 1.0


def test_a_server_that_retries_accept_at_once_on_emfile_spins_at_the_descriptor_limit(wire):
    wire.serve_command(broken_server("spins_at_descriptor_limit"), open_files_limit=NOFILE)
    verdict = past_the_descriptor_limit(wire, NOFILE)
    assert verdict.kinds == ["spins-at-descriptor-limit"], verdict.problems
    assert verdict.figures["cpu_at_limit"] > 0.5
    assert verdict.figures["excess_connections"] == "accepted+unaccepted"


def test_a_server_that_buffers_for_a_client_that_does_not_read_never_cuts_it_off(wire):
    wire.serve_command(broken_server("buffers_for_a_slow_reader"))
    verdict = slow_reader(wire, SEND_TIMEOUT_SECONDS)
    assert verdict.kinds == ["slow-reader-not-cut-off"], verdict.problems
    assert verdict.figures["slow_reader_ending"] == "open" and "send_timeout" not in verdict.figures


def test_a_server_that_blocks_on_a_client_that_does_not_read_starves_the_others(wire):
    wire.serve_command(broken_server("one_connection_at_a_time"))
    verdict = slow_reader(wire, SEND_TIMEOUT_SECONDS)
    assert verdict.kinds == ["starved-by-slow-reader"] * OTHER_CLIENTS + ["slow-reader-not-cut-off"], \
        verdict.problems


def test_the_reference_server_answers_a_client_that_does_not_read_and_lets_it_go(wire):
    wire.serve(DEFAULT_CONTRACT_SERVER)
    verdict = slow_reader(wire, SEND_TIMEOUT_SECONDS)
    assert verdict.ok, verdict.problems
    assert verdict.figures["slow_reader_ending"] == "fin"
    assert isinstance(verdict.figures["memory_growth"], int)
