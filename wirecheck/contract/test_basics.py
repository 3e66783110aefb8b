"""The contract's first properties: handshake, one complete response, FIN in time, no waiting, no leak, bad input.

Runs against the command given with --server (any language; {port} is replaced by a
free port), or, without it, against the reference server (forking_lingering: the article's
correct server, 3g, with a lingering close).
Every request carries "Connection: close", so that an HTTP/1.1 server that keeps
connections alive still closes after its response.
"""

import socket

import pytest

from wirecheck import checks, claims
from wirecheck.abuse import ABUSES
from wirecheck.clients import burst, request_bytes
from wirecheck.waiting import settle

HANDSHAKE_CONNECTIONS = 3
OVERLAPPING_CLIENTS = 5
# Connections past a small listen backlog see their SYNs dropped and retried after 1 s
# and 3 s (Linux's SYN retransmission timer), so a burst may take that long to be served.
BURST_GRACE_SECONDS = 5.0
# A server has settled after a burst when its zombies and descriptors have not changed for
# SETTLE_QUIET_SECONDS (a reaping server empties them within milliseconds of each SIGCHLD);
# SETTLE_SECONDS bounds the wait for one that keeps changing.
SETTLE_QUIET_SECONDS = 0.5
SETTLE_SECONDS = 5.0
SETTLE_POLL_SECONDS = 0.05
# Descriptors the server may open lazily (a log file, a resolver socket) during a burst
# without that being a leak: far below one per connection.
DESCRIPTOR_SLACK = 3


def _requests(wire, count: int) -> list[bytes]:
    return [request_bytes(wire.settings.contract_path, "127.0.0.1", wire.session.port, close=True)] * count


def _reply_timeout(wire) -> float:
    return wire.settings.fin_within + BURST_GRACE_SECONDS


def _answered(wire, connection) -> None:
    """`connection` was opened and answered with the expected status in time (how it ends is property 3's)."""
    __tracebackhide__ = True
    wire.expect(checks.handshake(connection))
    wire.expect(checks.response(connection, wire.settings.contract_status, within=wire.settings.fin_within,
                                complete=False))


@pytest.mark.contract("handshake")
def test_1_every_connection_completes_the_three_way_handshake(wire):
    wire.serve_contract()
    burst(wire.session.port, _requests(wire, HANDSHAKE_CONNECTIONS), _reply_timeout(wire))
    for connection in wire.connections(HANDSHAKE_CONNECTIONS):
        wire.expect(checks.handshake(connection))


def _one_exchange(wire):
    """The connection of one GET to the server under contract."""
    wire.serve_contract()
    burst(wire.session.port, _requests(wire, 1), _reply_timeout(wire))
    connection, = wire.connections(1)
    return connection


@pytest.mark.contract("complete-response")
def test_2_a_get_receives_one_complete_response_with_the_expected_status(wire):
    connection = _one_exchange(wire)
    wire.expect(checks.response(connection, wire.settings.contract_status))


@pytest.mark.contract("fin-in-time")
def test_3_the_server_closes_with_fin_soon_after_a_complete_response(wire):
    connection = _one_exchange(wire)
    wire.expect(checks.server_closes(connection, within=wire.settings.fin_within))


@pytest.mark.contract("no-waiting")
def test_4_a_silent_client_does_not_hold_up_overlapping_clients(wire):
    session = wire.serve_contract()
    with socket.create_connection(("127.0.0.1", session.port)):  # connects, then says nothing
        burst(session.port, _requests(wire, OVERLAPPING_CLIENTS), wire.settings.fin_within)
    silent, *served = wire.connections(OVERLAPPING_CLIENTS + 1)
    for connection in served:
        _answered(wire, connection)


@pytest.mark.contract("no-leak")
def test_5_after_a_burst_no_zombie_is_left_and_descriptors_do_not_grow(wire):
    session = wire.serve_contract()
    burst(session.port, _requests(wire, 1), _reply_timeout(wire))  # opens whatever the server opens lazily
    (_, before), _ = _settled(session.server.view)
    replies = burst(session.port, _requests(wire, wire.settings.burst_size), _reply_timeout(wire))
    (zombies, after), _ = _settled(session.server.view)
    last_frame = wire.observe().segments[-1]
    what = f"a burst of {len(replies)} connections"
    wire.expect(claims.zombies(zombies, range(0, 1), f"after {what}", last_frame)
                .extend(claims.descriptors_not_grown(before, after, DESCRIPTOR_SLACK, what, last_frame)))


def _settled(view) -> tuple[tuple[int, int], bool]:
    """The zombies and the open descriptors of the server's tree once neither has changed for SETTLE_QUIET
    seconds, or after SETTLE_SECONDS. Live children are allowed: a pre-forked worker pool is no leak."""
    return settle(lambda: (len(view.zombies()), view.open_descriptors()), SETTLE_QUIET_SECONDS, SETTLE_SECONDS,
                  poll=SETTLE_POLL_SECONDS)


@pytest.mark.contract("bad-input")
@pytest.mark.parametrize("abuse", sorted(ABUSES))
def test_6_the_server_survives_bad_input_and_serves_the_next_client_normally(wire, abuse):
    session = wire.serve_contract()
    ABUSES[abuse](session.port, wire.settings.contract_path, _reply_timeout(wire))
    burst(session.port, _requests(wire, 1), _reply_timeout(wire))
    last = wire.observe().connections[-1]
    wire.expect(claims.server_running(session.server.running(), session.server.output(), last.segments[-1], last))
    _answered(wire, last)
