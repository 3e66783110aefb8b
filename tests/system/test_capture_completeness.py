"""A burst of connections is captured whole; a capture that lost frames fails the test and says how many.

The capture keeps a large kernel buffer and drains it before stopping; the kernel's
own counters (PACKET_STATISTICS) say whether anything was dropped. These tests show
both sides: a burst with every connection complete, and a capture starved of buffer
whose losses are reported instead of analysed.
"""

from collections import Counter

import pytest
from claim_helpers import client3, closed_normally
from expectations import BODY, STATUS, TARGET

from wirecheck import checks
from wirecheck.capture import _loopback as capture
from wirecheck.render._ladder import ladder

BURST_CLIENTS, BURST_CONNECTIONS_EACH = 10, 50  # 500 connections, about 5,000 frames


def burst(port: int) -> None:
    client3(port, BURST_CLIENTS, "--max-conns", str(BURST_CONNECTIONS_EACH))


def test_every_connection_of_a_burst_is_captured_from_syn_to_last_fin(wire):
    session = wire.serve("forking_waitpid")
    burst(session.port)
    found = wire.observe().connections  # fails the test if the kernel dropped any frame
    assert len(found) == BURST_CLIENTS * BURST_CONNECTIONS_EACH
    assert all(closed_normally(c) for c in found), Counter(c.state for c in found)
    for connection in found:
        verdict = checks.handshake(connection).extend(checks.http_exchange(connection, TARGET, STATUS, BODY))
        assert verdict.ok, f"{verdict.problems}\n{ladder(connection)}"


def test_a_capture_that_lost_frames_fails_with_the_kernel_drop_count(wire, monkeypatch):
    monkeypatch.setattr(capture, "RECEIVE_BUFFER_BYTES", 1)  # the kernel rounds up to its minimum: a few frames
    session = wire.serve("forking_waitpid")
    burst(session.port)
    with pytest.raises(pytest.fail.Exception, match=r"incomplete capture: the kernel dropped \d+ of \d+ frames"):
        wire.observe()
