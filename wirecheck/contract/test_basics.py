"""The contract's first properties: handshake, one complete response, FIN in time, no waiting, no leak, bad input
(and how each rude connection ended).

Runs against the command given with --wire-server (any language; {port} is replaced by a
free port), or, without it, against the reference server (forking_lingering: the article's
correct server, 3g, with a lingering close).
Every request carries "Connection: close", so that an HTTP/1.1 server that keeps
connections alive still closes after its response.
"""

import socket
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import pytest

from wirecheck import checks
from wirecheck.checks import _endings as endings
from wirecheck.checks import _process_table as process_claims
from wirecheck.checks._verdict import Verdict
from wirecheck.clients._abuse import ABUSES
from wirecheck.clients._held import Trickler, idle_keep_alive, wait_accepted
from wirecheck.clients._requests import burst
from wirecheck.contract._exchange import DESCRIPTOR_SLACK, closing_requests, reply_timeout, settled
from wirecheck.model._flows import Connection
from wirecheck.server._waiting import wait_until

HANDSHAKE_CONNECTIONS = 3
OVERLAPPING_CLIENTS = 5
# Clients that hold a connection (silent, idle, trickling) come as many at once as a small worker pool has
# threads or processes (gunicorn's sync workers, a thread pool of 4): one alone would not exhaust it.
WORKER_POOL = 4


def answered(wire, connection: Connection) -> Verdict:
    """`connection` was opened and answered with the expected status in time (how it ends is fin-in-time's)."""
    return checks.handshake(connection).extend(checks.response(connection, wire.settings.contract_status,
                                                               within=wire.settings.fin_within, complete=False))


@pytest.mark.contract("handshake")
def test_handshake_every_connection_completes_the_three_way_handshake(wire):
    wire.serve_contract()
    burst(wire.session.dialer, closing_requests(wire, HANDSHAKE_CONNECTIONS), reply_timeout(wire, patient=True))
    for connection in wire.connections(HANDSHAKE_CONNECTIONS):
        wire.expect(checks.handshake(connection))


def _one_exchange(wire) -> Connection:
    """The connection of one GET to the server the wire serves. The server is fresh and the connection alone, so
    no backlog drops its SYN: an exchange's grace is enough, and a server that never answers or closes costs less."""
    burst(wire.session.dialer, closing_requests(wire, 1), reply_timeout(wire))
    connection, = wire.connections(1)
    return connection


def complete_response(wire) -> Verdict:
    """One GET: its response, whole, with the expected status."""
    return checks.response(_one_exchange(wire), wire.settings.contract_status)


def fin_in_time(wire) -> Verdict:
    """One GET: the server's FIN, not a RST, within --wire-fin-within of its last response byte."""
    return checks.server_closes(_one_exchange(wire), within=wire.settings.fin_within)


@pytest.mark.contract("complete-response")
def test_complete_response_a_get_receives_one_complete_response_with_the_expected_status(wire):
    wire.serve_contract()
    wire.expect(complete_response(wire))


@pytest.mark.contract("fin-in-time")
def test_fin_in_time_the_server_closes_with_fin_soon_after_a_complete_response(wire):
    wire.serve_contract()
    wire.expect(fin_in_time(wire))


@contextmanager
def _silent(wire) -> Iterator[None]:
    """Clients that connect, then say nothing: over TLS not even their ClientHello, as a server that makes its
    handshakes one at a time (Python's wrapped listening socket does, in accept()) waits for that first."""
    with ExitStack() as stack:
        for _ in range(WORKER_POOL):
            stack.enter_context(socket.create_connection(("127.0.0.1", wire.session.port)))
        yield


@contextmanager
def _idle(wire) -> Iterator[None]:
    """Clients that had one response on a connection kept alive, then ask for nothing more."""
    with ExitStack() as stack:
        for client in idle_keep_alive(wire.session.dialer, wire.settings.contract_path, wire.settings.fin_within,
                                      WORKER_POOL):
            stack.enter_context(client)
        yield


@contextmanager
def _trickling(wire) -> Iterator[None]:
    """Clients that send their request head one byte every half second (slowloris)."""
    tricklers = [Trickler(wire.session.dialer, wire.settings.contract_path, reply_timeout(wire, patient=True))
                 for _ in range(WORKER_POOL)]
    for trickler in tricklers:
        trickler.start()
    try:
        yield
    finally:
        for trickler in tricklers:
            trickler.stop()
        for trickler in tricklers:
            trickler.join()


BLOCKERS = {"silent": _silent, "idle": _idle, "trickling": _trickling}


def overlapping_clients_served(wire, blockers: str) -> Verdict:
    """While WORKER_POOL clients of the kind `blockers` hold connections, a burst of overlapping clients is
    answered, each within --wire-fin-within of its request (over TLS, of its ClientHello)."""
    with BLOCKERS[blockers](wire):
        # Once they are accepted: else the burst competes with them for a small listen backlog (http.server's
        # is 5) instead of waiting behind them.
        wait_accepted(wire.session.port, wire.settings.fin_within)
        burst(wire.session.dialer, closing_requests(wire, OVERLAPPING_CLIENTS), wire.settings.fin_within)
    verdict = Verdict()
    for connection in wire.observe().connections[-OVERLAPPING_CLIENTS:]:
        verdict.extend(checks.handshake(connection))
        verdict.extend(checks.response(connection, wire.settings.contract_status, within=wire.settings.fin_within,
                                       complete=False, since_hello=True))
    return verdict


@pytest.mark.contract("no-waiting")
@pytest.mark.parametrize("blockers", sorted(BLOCKERS))
def test_no_waiting_clients_that_hold_a_connection_do_not_hold_up_overlapping_clients(wire, blockers):
    wire.serve_contract()
    wire.expect(overlapping_clients_served(wire, blockers))


def burst_leaves_no_leak(wire, size: int) -> Verdict:
    """After one GET (which opens whatever the server opens lazily), a burst of `size`: once the server has
    settled, no zombie is left and its descriptors have not grown."""
    session, patience = wire.session, reply_timeout(wire, patient=True)
    burst(session.dialer, closing_requests(wire, 1), patience)
    (_, before), _ = settled(session.server.view)
    replies = burst(session.dialer, closing_requests(wire, size), patience)
    (zombies, after), _ = settled(session.server.view)
    last_frame = wire.observe().segments[-1]
    what = f"a burst of {len(replies)} connections"
    return (process_claims.zombies(zombies, range(0, 1), f"after {what}", last_frame)
            .extend(process_claims.descriptors_not_grown(before, after, DESCRIPTOR_SLACK, what, last_frame)))


@pytest.mark.contract("no-leak")
def test_no_leak_after_a_burst_no_zombie_is_left_and_descriptors_do_not_grow(wire):
    wire.serve_contract()
    wire.expect(burst_leaves_no_leak(wire, wire.settings.burst_size))


def rude_clients_then_served(wire, abuses: list[str]) -> Verdict:
    """Each rude client of `abuses` (ABUSES' names) in turn, each followed by an ordinary one: the server still runs,
    answers every ordinary client, and how each rude connection ended is recorded (rude_ending). Over TLS the rude
    clients that speak HTTP speak it over TLS, and the ordinary ones too. A server that died is left at that."""
    session, patience = wire.session, reply_timeout(wire, patient=True)
    gave_up = []
    for abuse in abuses:
        if not session.server.running():
            break
        gave_up.append(ABUSES[abuse](session.dialer, wire.settings.contract_path, patience))
        # How the rude connection ended is judged once the server had --wire-fin-within to answer the client's close.
        wait_accepted(session.port, wire.settings.fin_within)
        wait_until(lambda: not session.server.view.close_wait(session.port), wire.settings.fin_within)
        burst(session.dialer, closing_requests(wire, 1), patience)
    found = wire.connections(2 * len(gave_up))
    server = session.server
    verdict = process_claims.server_running(server.running(), server.output(), found[-1].segments[-1], found[-1])
    for rude, last, gave in zip(found[::2], found[1::2], gave_up, strict=True):
        verdict.extend(answered(wire, last)).extend(endings.rude_ending(rude, gave))
    return verdict


@pytest.mark.contract("bad-input")
@pytest.mark.parametrize("abuse", sorted(ABUSES))
def test_bad_input_the_server_survives_it_and_serves_the_next_client_normally(wire, abuse):
    wire.serve_contract()
    wire.expect(rude_clients_then_served(wire, [abuse]))
