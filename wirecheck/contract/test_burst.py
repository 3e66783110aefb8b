"""The contract for a burst: --wire-burst-size simultaneous connects are all answered without a SYN sent again. A
SYN that finds the accept queue full is dropped and sent again after Linux's initial retransmission timeout (1 s,
then 3 s): a listen backlog of 5 (http.server's, the article's) makes most of a burst of 128 wait a second or more
(listen(2); the article's backlog claim). Recorded: the backlog as the kernel applies it (sock_diag), the accept
queue's peak sampled during the burst, the SYNs sent again, connect times; and, with no verdict, for --wire-baseline,
the time to the first response byte at concurrency 1, 16 and 64."""

import pytest

from wirecheck.checks import _load as load_claims
from wirecheck.checks._several_connections import INITIAL_RTO_SECONDS
from wirecheck.checks._verdict import Verdict
from wirecheck.clients._load import QueuePeak, concurrent_requests
from wirecheck.clients._requests import burst
from wirecheck.contract._exchange import closing_requests, reply_timeout
from wirecheck.server._process_view import listen_backlog

# Concurrency of the rounds whose time to the first response byte is recorded; at concurrency 1, that many
# requests one after another, for a p50 and a p99 of several samples.
CONCURRENCIES = (1, 16, 64)
SEQUENTIAL_REQUESTS = 16


def burst_answered(wire, size: int, concurrencies: tuple[int, ...] = CONCURRENCIES,
                   patience: float | None = None) -> Verdict:
    """`size` connects at once, each with one request, judged on SYNs sent again and responses; then rounds of
    requests at each of `concurrencies`, only measured (time to the first response byte, p50 and p99). The burst's
    clients give up after `patience`, by default --wire-fin-within past the first SYN sent again (1 s after the
    first), so that it is seen answered; a client still waiting then has failed the property anyway."""
    port, dialer = wire.session.port, wire.session.dialer
    backlog = listen_backlog(port)
    with QueuePeak(port) as queue:
        burst(dialer, closing_requests(wire, size), patience or INITIAL_RTO_SECONDS + wire.settings.fin_within)
    rounds = {concurrency: _first_byte_round(wire, concurrency) for concurrency in concurrencies}
    connections = wire.observe().connections  # the burst's first (it made every one of its connects), the rounds'
    verdict = load_claims.burst_answered(connections[:size], backlog, queue.peak)
    for concurrency, ports in rounds.items():
        made = [c for c in connections[size:] if c.client[1] in ports]
        if len(ports) == concurrency * _rounds(concurrency):  # else not measured: the server took no more at once
            verdict.extend(load_claims.first_byte_figures(made, concurrency))
    return verdict


def _rounds(concurrency: int) -> int:
    return SEQUENTIAL_REQUESTS if concurrency == 1 else 1


def _first_byte_round(wire, concurrency: int) -> set[int]:
    """Requests at `concurrency`, on connections opened at the accept queue's pace (their connect time is the
    burst's to judge), each round's requests sent at once; at concurrency 1, SEQUENTIAL_REQUESTS one after
    another. Returns the client ports of the connections made: fewer where the server took no more at once (one
    client at a time), and then the round's figures are not recorded."""
    request = closing_requests(wire, 1)[0]
    return set().union(*(concurrent_requests(wire.session.dialer, request, concurrency, reply_timeout(wire))
                         for _ in range(_rounds(concurrency))))


@pytest.mark.contract("burst")
def test_burst_simultaneous_connects_are_all_answered_without_a_syn_sent_again(wire):
    wire.serve_contract()
    wire.expect(burst_answered(wire, wire.settings.burst_size))
