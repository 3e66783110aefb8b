"""The contract's keep-alive properties: two requests on one connection get two complete responses, in order;
an idle connection the server kept open ends with its FIN, not a RST, and its idle timeout is measured.

A server that closes after its first response (as it announces: "Connection: close", HTTP/1.0, or a body
that ends at its close) is legal: the figure "keep_alive" records no-keep-alive. The idle timeout is
measured up to --wire-idle-window (and its timing tolerance); a server still open then is recorded as open with
the window as its idle_timeout (a float and a flag, so that a baseline compares like with like).
"""

import pytest

from wirecheck.checks import _categories as category
from wirecheck.checks import _http as checks_http
from wirecheck.checks._verdict import Verdict
from wirecheck.clients._exchanges import keep_alive
from wirecheck.contract._exchange import only_connection, reply_timeout


def two_requests(wire, idle_window: float = 0.0) -> Verdict:
    """Two GETs on one connection of the server the wire serves (then up to `idle_window` idle): the keep-alive
    figure and the exchanges' verdict."""
    keep_alive(wire.session.dialer, wire.settings.contract_path, reply_timeout(wire), idle_window)
    connection = only_connection(wire)
    return checks_http.keeps_alive(connection).extend(checks_http.exchanges(connection, wire.settings.contract_status))


def idle_connection(wire) -> Verdict:
    """Two GETs, then idle up to --wire-idle-window: how the server ended the idle connection, if it kept it."""
    # The client waits out the tolerance past the window: a server whose timeout is the window itself closes
    # inside it every time, and is measured, instead of racing the client's own close.
    window = wire.settings.idle_window
    verdict = two_requests(wire, window + wire.settings.tolerance.of(window))
    if verdict.figures["keep_alive"] == category.NO_KEEP_ALIVE:
        return verdict
    return verdict.extend(checks_http.idle_close(verdict.connection, wire.settings.idle_window))


@pytest.mark.contract("keep-alive")
def test_keep_alive_two_requests_on_one_connection_get_two_complete_responses_in_order(wire):
    wire.serve_contract()
    wire.expect(two_requests(wire))


@pytest.mark.contract("idle-close")
def test_idle_close_an_idle_keep_alive_connection_is_closed_with_fin_and_its_idle_timeout_measured(wire):
    wire.serve_contract()
    wire.expect(idle_connection(wire))
