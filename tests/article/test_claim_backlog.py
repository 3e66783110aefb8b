"""While the iterative server is busy, the kernel completes backlog + 1 handshakes at once; later SYNs go
unanswered, are sent again after 1 s, and only then complete.

What Linux does (6.x; /proc/sys/net/ipv4 here: tcp_syncookies 1, tcp_abort_on_overflow 0):

- listen(backlog) bounds the accept queue, the established connections no accept() has
  taken yet. A SYN is refused room only when the queue is full, which the kernel tests as
  "length > backlog": backlog + 1 clients complete their handshake, SYN-ACK at once,
  while the server sleeps. Their requests wait in the kernel; the responses come one
  server delay after another (the server accepts the next one only when done).
- Past that, the SYN is dropped: no SYN-ACK and no RST (the kernel counts it as
  TcpExtListenOverflows and ListenDrops, see `nstat`). The client cannot tell a full
  queue from a lost packet, so it sends its SYN again after the initial retransmission
  timeout, 1 s, then 2 s after that, 4 s... (tcp_syn_retries 6: it gives up after 127 s).
- SYN cookies do not change this: they answer for a full SYN queue (half-open
  connections), never for a full accept queue. tcp_abort_on_overflow only concerns a
  handshake's last ACK meeting a full queue (dropped, or RST if set to 1): the clients
  here connect one after another, each SYN meeting a settled queue, so that race, and
  with it any run-to-run variation, does not occur. (client3's parallel processes would
  bring it back: which SYN meets the full queue would change from run to run.)

Pinned numbers, for each backlog B: B + 1 SYN-ACKs at once, the kernel's socket table
showing B + 1 connections queued; OVERFLOW SYNs unanswered, each sent again 1 s later and
answered at once then, since the server has emptied the queue by that time.
"""

import errno
import select
import selectors
import socket
import time

import pytest
from claim_helpers import note_process
from expectations import BODY, STATUS, TARGET

from wirecheck import checks
from wirecheck.checks import _several_connections as claims
from wirecheck.clients._requests import request_bytes
from wirecheck.server._process_view import accept_queue

# Two listen backlogs, so that the count of handshakes completed at once is seen to follow the value.
BACKLOGS = (1, 3)
# Clients past the queue's capacity: more than one, to see each dropped independently.
OVERFLOW = 2
# The iterative server's delay per connection. It empties a full queue in (backlog + 2) * DELAY,
# 0.75 s for backlog 3, before the dropped SYNs come back at 1 s: each of them then finds room.
DELAY = 0.15
# How long a client waits for its handshake before the next one connects: a loopback handshake
# takes tens of microseconds here, so a SYN unanswered after 10 ms was dropped. Short, so that all clients
# have connected long before the server's delay ends (when it would accept one and make room).
SYN_SETTLE_SECONDS = 0.01
# A bound for every client to be answered and closed: the last one is, about 1.3 s after connecting.
FINISH_SECONDS = 5.0


def busy_server(port: int) -> socket.socket:
    """A first client whose response has begun: the iterative server is now in its delay, not in accept()."""
    first = socket.create_connection(("127.0.0.1", port), timeout=FINISH_SECONDS)
    first.sendall(request_bytes(TARGET, "127.0.0.1", port))
    first.recv(1)
    return first


def connect_one_by_one(port: int, count: int) -> list[socket.socket]:
    """`count` clients connecting in turn, each SYN's fate settled before the next SYN is sent."""
    clients = []
    for _ in range(count):
        client = socket.socket()
        client.setblocking(False)
        assert client.connect_ex(("127.0.0.1", port)) in (0, errno.EINPROGRESS)
        select.select([], [client], [], SYN_SETTLE_SECONDS)
        clients.append(client)
    return clients


def serve_all(first: socket.socket, waiting: list[socket.socket], request: bytes) -> None:
    """Send each waiting client's request once its handshake completes; read every client until the server closes."""
    selector = selectors.DefaultSelector()
    first.setblocking(False)
    selector.register(first, selectors.EVENT_READ)
    for client in waiting:
        selector.register(client, selectors.EVENT_WRITE)
    deadline = time.monotonic() + FINISH_SECONDS
    while selector.get_map():
        remaining = deadline - time.monotonic()
        assert remaining > 0, (f"expected every client answered and closed within {FINISH_SECONDS:g} s, "
                               f"{len(selector.get_map())} were not")
        for key, events in selector.select(remaining):
            if events & selectors.EVENT_WRITE:
                key.fileobj.send(request)  # a 60-byte request fits any fresh send buffer at once
                selector.modify(key.fileobj, selectors.EVENT_READ)
            elif not key.fileobj.recv(65536):
                selector.unregister(key.fileobj)
                key.fileobj.close()
    selector.close()


def queue_up(session, backlog: int) -> tuple[int | None, list]:
    """A busy server, then backlog + 1 + OVERFLOW clients in turn; the accept queue's length, and the connections."""
    first = busy_server(session.port)
    waiting = connect_one_by_one(session.port, backlog + 1 + OVERFLOW)
    queued = accept_queue(session.port)
    serve_all(first, waiting, request_bytes(TARGET, "127.0.0.1", session.port))
    return queued, waiting


@pytest.mark.parametrize("backlog", BACKLOGS, ids=lambda backlog: f"backlog={backlog}")
def test_busy_server_then_backlog_plus_one_handshakes_at_once_then_syns_dropped_and_sent_again_after_1s(
        wire, backlog):
    session = wire.serve("iterative", delay=DELAY, backlog=backlog)
    queued, _ = queue_up(session, backlog)
    found = wire.connections(1 + backlog + 1 + OVERFLOW)
    first, waiting = found[0], found[1:]
    note_process(wire, waiting[backlog + 1].syn, f"the listening socket's accept queue holds {queued} connections "
                                                  f"(/proc/net/tcp; backlog {backlog})")
    wire.expect(claims.accept_queue_overflow(waiting, backlog, wire.tolerance))
    in_queue = [first, *waiting[:backlog + 1]]
    wire.expect(claims.served_in_turn(in_queue, DELAY, wire.tolerance))
    for connection in found:
        wire.expect(checks.http_exchange(connection, TARGET, STATUS, BODY))
    assert queued == backlog + 1, (f"expected the kernel to show {backlog + 1} connections in the accept queue "
                                   f"(backlog {backlog} + 1), it showed {queued}")


def test_backlog_claim_fails_when_the_server_listens_with_a_longer_queue(wire):
    claimed, actual = BACKLOGS
    session = wire.serve("iterative", delay=DELAY, backlog=actual)
    queue_up(session, claimed)
    waiting = wire.connections(1 + claimed + 1 + OVERFLOW)[1:]
    problems = claims.accept_queue_overflow(waiting, claimed, wire.tolerance).problems
    first_past_the_claim = waiting[claimed + 1]
    assert [(p.kind, p.connection) for p in problems][:1] == [("syn-answered", first_past_the_claim)], problems
