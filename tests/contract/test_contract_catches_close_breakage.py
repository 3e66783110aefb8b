"""Each property about how connections end fails on a server that breaks it, by its problem kind, and passes
on the article's correct server with its figures.

The same verdict functions the contract runs (wirecheck/contract/) are run here against the small broken
servers of tests/broken/, with shorter bounds where the contract waits for a server's timeout.
"""

import signal

import pytest
from claim_helpers import WAITED, broken_server

from wirecheck.checks import _endings as endings
from wirecheck.clients._abuse import sends_random_bytes
from wirecheck.clients._requests import burst
from wirecheck.contract._exchange import closing_requests
from wirecheck.contract.test_basics import BLOCKERS, overlapping_clients_served
from wirecheck.contract.test_close import clients_close_first
from wirecheck.contract.test_header_timeout import trickling_head
from wirecheck.contract.test_stop import stop_while_busy
from wirecheck.plugin._settings import DEFAULT_CONTRACT_SERVER

pytestmark = pytest.mark.slow

# Shorter than the options' defaults: the broken servers never act, so the tests wait these out whole.
HEADER_TIMEOUT_SECONDS = 1.0
STOP_GRACE_SECONDS = 0.5
LINGER_AFTER_SIGTERM = "1.0"  # longer than the grace: the broken server outlives it
RUDE_CLIENT_GIVES_UP_SECONDS = 1.0
# Room in the accept queue for the held connections and the whole burst, so that every burst client connects
# and waits (both kinds of WAITED mean it did).
BACKLOG = "64"


def test_a_server_that_never_closes_after_the_clients_fin_leaves_close_wait_and_descriptors(wire):
    wire.serve_command(broken_server("never_closes_after_client_fin"))
    verdict = clients_close_first(wire)
    assert set(verdict.kinds) == {"no-server-fin", "close-wait", "descriptor-growth"}, verdict.problems
    assert verdict.figures["close_wait"] == 6
    stuck = [p for p in verdict.problems if p.kind == "close-wait"]
    assert all(p.segment is p.connection.sent_by_client.fin for p in stuck), "anchored to the client's FIN"


def test_a_server_without_a_header_timeout_is_not_cutting_off_a_trickling_head(wire):
    wire.serve_command(broken_server("one_connection_at_a_time"))
    verdict = trickling_head(wire, HEADER_TIMEOUT_SECONDS)
    assert verdict.kinds == ["head-not-cut-off"], verdict.problems
    assert verdict.figures["header_cut_off"] == "open" and "header_timeout" not in verdict.figures


@pytest.mark.parametrize("blockers", sorted(BLOCKERS))
def test_a_server_that_serves_one_connection_at_a_time_makes_clients_wait_behind_held_connections(wire, blockers):
    wire.serve_command(broken_server("one_connection_at_a_time", "--backlog", BACKLOG))
    verdict = overlapping_clients_served(wire, blockers)
    assert verdict.kinds and set(verdict.kinds) <= WAITED, verdict.problems


def test_a_server_that_resets_on_sigterm_and_accepts_on_fails_every_part_of_the_graceful_stop(wire):
    wire.serve_command(broken_server("resets_on_sigterm", "--delay", LINGER_AFTER_SIGTERM))
    verdict = stop_while_busy(wire, signal.SIGTERM, STOP_GRACE_SECONDS)
    assert set(verdict.kinds) == {"no-response", "rst-instead-of-fin", "accepted-then-dropped", "not-stopped"}, \
        verdict.problems
    assert (verdict.figures["idle_ending"], verdict.figures["silent_ending"]) == ("200-then-rst", "rst")
    assert verdict.figures["late_connection"] == "rst"
    assert "drain_time" not in verdict.figures


def test_a_server_that_waits_for_a_head_in_random_bytes_leaves_the_rude_connection_open(wire):
    session = wire.serve_command(broken_server("one_connection_at_a_time"))
    gave_up = sends_random_bytes(session.dialer, "/", RUDE_CLIENT_GIVES_UP_SECONDS)
    burst(session.dialer, closing_requests(wire, 1), RUDE_CLIENT_GIVES_UP_SECONDS)
    rude, _ = wire.connections(2)
    verdict = endings.rude_ending(rude, gave_up)
    assert gave_up and verdict.kinds == ["left-open"], verdict.problems
    assert verdict.figures["rude_ending"] == "open"
    assert verdict.figures["rude_ending_after"] >= RUDE_CLIENT_GIVES_UP_SECONDS


def test_the_articles_correct_server_cuts_off_a_trickled_head_and_the_time_is_recorded(wire):
    """The counterpart: the same verdicts pass on a server that keeps these rules, and record its figures. The
    article's server answers whatever its one recv() got, so it cuts a trickled head off at its first byte."""
    wire.serve(DEFAULT_CONTRACT_SERVER)
    trickled = trickling_head(wire, HEADER_TIMEOUT_SECONDS)
    assert trickled.ok, trickled.problems
    assert isinstance(trickled.figures["header_timeout"], float)
    assert trickled.figures["header_cut_off"] == "200-then-fin"


def test_the_articles_correct_server_stops_gracefully_and_its_drain_time_is_recorded(wire):
    wire.serve(DEFAULT_CONTRACT_SERVER)
    verdict = stop_while_busy(wire, signal.SIGTERM, STOP_GRACE_SECONDS)
    assert verdict.ok, verdict.problems
    assert 0 <= verdict.figures["drain_time"] < STOP_GRACE_SECONDS
    assert (verdict.figures["silent_ending"], verdict.figures["late_connection"]) == ("fin", "refused")
