"""Every connection-management property of the contract fails on a server that breaks it.

Each case runs a deliberately broken server (tests/broken/) or an article server, drives it with the
contract's own client and checks (the functions the contract's tests call), and asserts on the kinds of
problem reported, never on their words.
"""

import pytest
from claim_helpers import broken_server

from wirecheck import checks
from wirecheck.checks import _http as checks_http
from wirecheck.contract.test_connection_close import request_after_close
from wirecheck.contract.test_expect_continue import expecting_continue
from wirecheck.contract.test_half_close import half_closing_clients
from wirecheck.contract.test_http10 import http10_request
from wirecheck.contract.test_keep_alive import idle_connection, two_requests
from wirecheck.contract.test_lingering_close import LINGER_SECONDS, upload_answered_early

pytestmark = pytest.mark.slow

# resets_idle_keep_alive's idle timeout, as the capture must measure it (its server's IDLE_SECONDS)
RESETTING_IDLE_SECONDS = 0.3
# its timer and the capture's clock differ by scheduling only: milliseconds, more on a machine under load
IDLE_SLACK_SECONDS = 0.2


def test_keep_alive_fails_when_the_second_request_goes_unanswered(wire):
    wire.serve_command(broken_server("ignores_second_request"))
    verdict = two_requests(wire)
    assert verdict.kinds == ["unanswered-request"], verdict.problems
    assert verdict.figures["keep_alive"] == "kept-alive"


def test_idle_close_fails_on_a_server_that_resets_an_idle_keep_alive_connection(wire):
    wire.serve_command(broken_server("resets_idle_keep_alive"))
    verdict = idle_connection(wire)
    assert verdict.kinds == ["rst-instead-of-fin"], verdict.problems
    assert verdict.figures["idle_close"] == "rst"
    assert verdict.figures["idle_timeout"] == pytest.approx(RESETTING_IDLE_SECONDS, abs=IDLE_SLACK_SECONDS)


def test_connection_close_fails_when_the_request_behind_it_is_answered(wire):
    wire.serve_command(broken_server("answers_after_close"))
    verdict = request_after_close(wire)
    assert verdict.kinds == ["answered-after-close"], verdict.problems
    assert verdict.figures["responses"] == 2


def test_an_early_answer_cut_by_the_articles_rst_is_not_whole_and_the_rst_came_while_the_client_sent(wire):
    wire.serve(variant="iterative")  # one recv(1024), an answer ended by its close, close() over unread bytes: RST
    connection = upload_answered_early(wire)
    assert checks.response(connection, status=None).kinds == ["incomplete-response"]
    lingering = checks_http.no_reset_while_sending(connection, LINGER_SECONDS)
    assert lingering.kinds == ["reset-while-sending"] and lingering.figures["upload_end"] == "rst"


def test_half_close_fails_when_the_clients_fin_leaves_a_complete_request_unanswered_and_a_partial_one_open(wire):
    wire.serve_command(broken_server("ignores_half_close"))
    verdict = half_closing_clients(wire)
    complete, partial = verdict.problems[0].connection, verdict.problems[-1].connection
    assert [p.kind for p in verdict.problems if p.connection is complete] == ["no-response", "no-server-fin"]
    assert [p.kind for p in verdict.problems if p.connection is partial] == ["no-server-fin"]
    assert complete is not partial


def test_http_1_0_fails_on_a_server_that_keeps_the_connection_open(wire):
    wire.serve_command(broken_server("keeps_http10_open"))
    kinds = http10_request(wire).kinds
    assert "client-closed-first" in kinds and "server-fin-late" in kinds, kinds


def test_expect_continue_fails_on_a_server_that_waits_for_the_body(wire):
    wire.serve_command(broken_server("waits_for_the_body"))
    verdict = expecting_continue(wire)
    assert verdict.kinds == ["no-continue"] and verdict.figures["continue_answer"] == "late", verdict.problems
