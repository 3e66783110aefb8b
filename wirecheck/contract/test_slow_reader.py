"""The contract for a client that does not read its responses: it pipelines requests (or fetches
--wire-large-path) and reads nothing, so that its responses back up in the server. Meanwhile other clients are
answered in time (MUST: a server whose worker blocks on the non-reader starves them); and the server cuts the
non-reader off within --wire-send-timeout of its window closing (SHOULD: node, aiohttp, uvicorn, gunicorn
gthread and waitress buffered 20-34 MB for it instead; nginx closed it). Recorded: the memory the server's tree
took on for it (RSS before and while its responses backed up), the bytes it sent before the client's window
closed, and how and when it let the client go."""

import pytest

from wirecheck import checks
from wirecheck.checks import _limits as limits
from wirecheck.checks._verdict import Verdict
from wirecheck.clients._held import keep_alive_request
from wirecheck.clients._requests import burst, request_bytes
from wirecheck.clients._slow_reader import BATCHES, PIPELINED_REQUESTS, SlowReader
from wirecheck.contract._exchange import closing_requests, reply_timeout

# Clients served beside the non-reader: as many as no-waiting's, a small worker pool's worth.
OTHER_CLIENTS = 4
# How long past the send timeout (and its tolerance) the non-reader waits to be let go: the process table is read
# every 50 ms, a FIN or RST arrives at once.
CUT_OFF_GRACE_SECONDS = 0.5


def slow_reader_requests(wire) -> tuple[bytes, int]:
    """What the non-reader asks for, and how many times at most: --wire-large-path once, else batches of
    PIPELINED_REQUESTS of the contract's path."""
    port, settings = wire.session.port, wire.settings
    if settings.large_path:
        return request_bytes(settings.large_path, "127.0.0.1", port, close=True), 1
    return keep_alive_request(settings.contract_path, port) * PIPELINED_REQUESTS, BATCHES


def slow_reader(wire, send_timeout: float) -> Verdict:
    """A non-reader's responses back up; other clients are served meanwhile; the non-reader is let go within
    `send_timeout` of its window closing."""
    session, settings = wire.session, wire.settings
    batch, batches = slow_reader_requests(wire)
    reader = SlowReader(session.port, batch, session.server.view, settings.fin_within, batches)
    # The others wait only --wire-fin-within for their answers (the check judges them by it), the non-reader only
    # a little past the send timeout: a server that never cuts it off is waited out whole.
    reading = reader.run(reply_timeout(wire), send_timeout + wire.tolerance.of(send_timeout) + CUT_OFF_GRACE_SECONDS,
                         lambda: burst(session.dialer, closing_requests(wire, OTHER_CLIENTS), settings.fin_within))
    non_reader, *others = wire.connections(1 + OTHER_CLIENTS)
    served = Verdict()
    for connection in others:
        served.extend(checks.response(connection, settings.contract_status, within=settings.fin_within,
                                      complete=False))
    verdict = limits.starved(served)  # first: the MUST's problem names the failure in the closing table
    verdict.figure("memory_growth", reading.resident_backed_up - reading.resident_before)
    return verdict.extend(limits.slow_reader_cut_off(non_reader, reading.released_at, send_timeout, wire.tolerance))


@pytest.mark.contract("slow-reader")
def test_slow_reader_a_client_that_does_not_read_holds_up_nobody_and_is_cut_off_within_the_send_timeout(wire):
    wire.serve_contract()
    wire.expect(slow_reader(wire, wire.settings.send_timeout))
