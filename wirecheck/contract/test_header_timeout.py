"""The contract for a client that trickles its request head (slowloris): the server cuts it off within
--wire-header-timeout (benoitc/gunicorn#2781, nodejs/node#33440), and records how long it waited. That trickling
clients hold up nobody else is property no-waiting's (test_basics)."""

import pytest

from wirecheck.checks import _endings as endings
from wirecheck.checks._verdict import Verdict
from wirecheck.clients._held import TRICKLE_INTERVAL_SECONDS, Trickler


def trickling_head(wire, within: float) -> Verdict:
    """One client sends a request head one byte every half second; the server should end the connection (FIN,
    after an error status or none) within `within` (--wire-header-timeout) of its first byte."""
    give_up = within + wire.tolerance.of(within) + TRICKLE_INTERVAL_SECONDS
    Trickler(wire.session.dialer, wire.settings.contract_path, give_up).run()  # here, not in a thread
    connection, = wire.connections(1)
    return endings.head_cut_off(connection, within, wire.tolerance)


@pytest.mark.contract("header-timeout")
def test_header_timeout_a_client_trickling_its_request_head_is_cut_off_within_the_header_timeout(wire):
    wire.serve_contract()
    wire.expect(trickling_head(wire, wire.settings.header_timeout))
