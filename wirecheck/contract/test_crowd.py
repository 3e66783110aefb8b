"""The contract for a crowd: with up to --wire-crowd idle connections open (connected, saying nothing), a fresh
client is answered within --wire-fin-within. A server that gives each connection a worker of a small fixed pool
(waitress's connection_limit, gunicorn's gthread threads) leaves the fresh client waiting. The crowd grows in steps
(4, 16, 64, 256, up to --wire-crowd; it stops at the first step whose fresh client waits too long), and records
the capacity, the crowd at which that happened; and, with no verdict, for --wire-baseline, the memory per idle
connection: the growth of the server tree's resident memory with the crowd open, divided by the crowd."""

import pytest

from wirecheck.checks import _load as load_claims
from wirecheck.checks._verdict import Verdict
from wirecheck.clients._held import wait_accepted
from wirecheck.clients._load import STALL_SECONDS, Crowd, fresh_client
from wirecheck.clients._requests import burst
from wirecheck.contract._exchange import closing_requests, reply_timeout
from wirecheck.server._waiting import settle

STEPS = (4, 16, 64, 256)
# How long after --wire-fin-within a fresh client still waits: long enough to see an answer that came just late,
# short, since a server that answers nobody beside the crowd is waited out whole.
FRESH_CLIENT_GRACE_SECONDS = 0.5
# The tree's memory is read once it has stayed the same this long (a forked child still faults its pages in), or
# after MEMORY_SETTLE_SECONDS.
MEMORY_QUIET_SECONDS = 0.1
MEMORY_SETTLE_SECONDS = 1.0


def crowd_steps(limit: int) -> list[int]:
    """The crowd's sizes: each of STEPS below `limit`, then `limit`."""
    return [step for step in STEPS if step < limit] + [limit]


def crowd_answered(wire, limit: int) -> Verdict:
    """Grow a crowd of idle connections step by step up to `limit`; after each step a fresh client must be
    answered within --wire-fin-within of its SYN. Stops after the first step where it was not (as the client
    saw it; the wire is judged)."""
    port, view, within = wire.session.port, wire.session.server.view, wire.settings.fin_within
    request = closing_requests(wire, 1)[0]
    burst(wire.session.dialer, [request], reply_timeout(wire))  # what the server opens lazily is not the crowd's memory
    before = _resident(view)
    probes, memory = [], None
    with Crowd(port) as crowd:
        for step in crowd_steps(limit):
            size = crowd.grow_to(step, reply_timeout(wire))
            wait_accepted(port, STALL_SECONDS)  # in the server's hands, not only in its accept queue
            memory = (_resident(view) - before) // max(size, 1)
            client_port, in_time = fresh_client(port, request, within, within + FRESH_CLIENT_GRACE_SECONDS)
            probes.append((size, client_port))
            if not in_time or size < step:
                break
    by_port = {connection.client[1]: connection for connection in wire.observe().connections}  # the latest each
    verdict = Verdict()
    for size, client_port in probes:
        judged = load_claims.fresh_client_answered(by_port[client_port], size, within)
        if not judged.ok and "crowd_capacity" not in verdict.figures:
            verdict.figure("crowd_capacity", size)
        verdict.extend(judged)
    if memory is not None:
        verdict.figure("idle_connection_memory", memory)
    return verdict


def _resident(view) -> int:
    return settle(view.resident_bytes, MEMORY_QUIET_SECONDS, MEMORY_SETTLE_SECONDS)[0]


@pytest.mark.contract("crowd")
def test_crowd_a_fresh_client_is_answered_in_time_while_idle_connections_are_open(wire):
    wire.serve_contract()
    wire.expect(crowd_answered(wire, wire.settings.crowd))
