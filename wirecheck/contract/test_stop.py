"""The contract for a graceful stop: told to stop (--wire-stop-signal) while an upload is in flight, a connection
idles after its response and a client says nothing, the server answers the upload whole, closes the others
with FIN (not RST), refuses or serves a newcomer (never accepts and drops it), and its whole process tree
exits within --wire-stop-grace (benoitc/gunicorn#922, #2529, #3397; puma/puma#1685).

Over TLS the answer is read decrypted and the FIN or RST from TCP, as ever; a server whose close_notify came before
the signal had closed the upload then (it may hold its FIN until the client's close_notify answers). The silent
client sends not even its ClientHello: what a server sees of a TCP prober, and of a client that went quiet at once
(a client that made its handshake and asked nothing is much what the idle one is). A newcomer is served by a
handshake and an answer, or refused."""

import signal
import time

import pytest

from wirecheck.checks import _endings as endings
from wirecheck.checks import _process_table as process_claims
from wirecheck.checks._verdict import Verdict
from wirecheck.clients import _held as held_clients
from wirecheck.clients._requests import request_bytes
from wirecheck.server._dialer import ENDED_BY_SERVER, close
from wirecheck.server._process_view import listeners

# Small enough that half of it fits the socket buffers of a server that does not read it yet.
UPLOAD_BYTES = 64 * 1024
# A server is given this long to act on the signal (stop listening) before the newcomer connects; one that
# dies on the signal does so within milliseconds, gunicorn's sync master still accepted after 0.3 s.
LATE_CONNECTION_AFTER_SECONDS = 0.1
# Once the tree's exit is judged, each client still open closes, then reads for up to this long what the server
# sends in answer, before its socket goes: bytes that reach a closed socket draw RST (close_lingering).
CLIENT_DRAIN_SECONDS = 0.1
# The newcomer's connect (over TLS, its handshake) waits for what is left of the grace, but never 0: a socket with
# a timeout of 0 does not block, and its connect would fail at once.
MIN_TIMEOUT_SECONDS = 0.001


def stop_while_busy(wire, stop_signal: signal.Signals, grace: float) -> Verdict:
    """Open an upload in flight, an idle keep-alive connection and a silent client, send `stop_signal` to the
    server's process group, then finish the upload, connect once more, and judge how everything ended."""
    session, settings = wire.session, wire.settings
    port, server, path = session.port, session.server, settings.contract_path
    # The upload first, settled: whether the server answers it before the signal is then the server's doing, never
    # a race. The idle connection last, so that its age at the signal is far below common idle timeouts (2 s).
    upload, rest, body_sent = held_clients.upload_in_flight(session.dialer, path, UPLOAD_BYTES, grace)
    closed_early = held_clients.upload_settled(port, upload, body_sent, quiet=settings.fin_within, timeout=grace)
    silent = held_clients.connect_silent(port, grace)
    # Over TLS its handshake may wait behind the others, as a plain request waits in the accept queue (gunicorn sync's
    # two workers, one on the silent client, one lingering on the upload): it waits up to the grace, not the reply
    # timeout; one the server did not make even then is left out (the capture shows what came of it).
    idle = held_clients.idle_keep_alive(session.dialer, path, settings.fin_within, handshake_within=grace)
    held_clients.wait_accepted(port, settings.fin_within)  # in the server's hands, not only in its accept queue
    signalled_at = server.signal(stop_signal)
    time.sleep(LATE_CONNECTION_AFTER_SECONDS)
    held_clients.send_quietly(upload, rest)
    if closed_early:  # the server closed it before the signal, and the client read that: it closes too
        close(upload)
    # Until the tree's exit is judged, a client closes only once the server closed it: a server that waits for a
    # client (nginx keeps a connection that has sent nothing) would otherwise exit just after the gate gave up at
    # the grace, a race with the deadline itself; one that lingers after its FIN gets the client's FIN at once.
    # Watching begins before the newcomer connects: over TLS its handshake may wait for the server.
    closing = held_clients.ClosingWhenClosed([silent, *idle] if closed_early else [silent, *idle, upload])
    closing.start()
    try:
        late = held_clients.connect(session.dialer, max(MIN_TIMEOUT_SECONDS, signalled_at + grace - time.time()))
    except (*ENDED_BY_SERVER, TimeoutError):
        pass  # refused (its SYN answered by RST), reset at once, over TLS its handshake failed or was never made
    else:
        held_clients.send_quietly(late, request_bytes(path, "127.0.0.1", port, close=True))
        closing.add(late)
    alive = [p.pid for p in server.wait_tree_exit(max(0.0, signalled_at + grace - time.time()))]
    drain = server.exited_at - signalled_at if not alive else None
    for client in closing.stop():
        held_clients.close_lingering(client, CLIENT_DRAIN_SECONDS)
    upload_c, silent_c, idle_c, late_c = wire.connections(4)
    return (endings.answered_whole_then_fin(upload_c, signalled_at, "the upload in flight", "upload_ending")
            .extend(endings.closed_with_fin(idle_c, "the idle keep-alive connection", "idle_ending"))
            .extend(endings.closed_with_fin(silent_c, "the silent connection", "silent_ending"))
            .extend(endings.refused_or_served(late_c, "a connection made after the signal", "late_connection"))
            .extend(process_claims.tree_exited(alive + listeners(port), drain, grace, stop_signal.name,
                                       wire.observe().segments[-1])))


@pytest.mark.contract("graceful-stop")
def test_graceful_stop_a_stop_signal_drains_the_upload_closes_idle_connections_with_fin_and_ends_the_whole_tree(wire):
    wire.serve_contract()
    wire.expect(stop_while_busy(wire, wire.settings.stop_signal, wire.settings.stop_grace))
