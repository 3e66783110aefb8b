"""tshark reads the saved capture of a normal exchange: every frame once, no retransmission or
duplicate ACK, the suite's comments readable as frame.comment."""

import shutil
import subprocess

import pytest
from expectations import TARGET

from wirecheck import checks
from wirecheck.capture import _pcapng_writer as pcapng
from wirecheck.clients._requests import curl

TSHARK_SECONDS = 30
# Wireshark's TCP analysis flags what a doubled or lost frame looks like on the wire (each prints 1 where raised).
SUSPECT_FLAGS = ("tcp.analysis.retransmission", "tcp.analysis.duplicate_ack", "tcp.analysis.lost_segment")

pytestmark = pytest.mark.skipif(shutil.which("tshark") is None,
                                reason="tshark is not installed (bin/setup installs it)")


def tshark(path) -> list[dict[str, str]]:
    """Each frame as tshark reads it: its number, its analysis flags and its comments. One tshark start for all
    three (a start costs ~0.45 s of CPU)."""
    fields = ("frame.number", *SUSPECT_FLAGS, "frame.comment")
    done = subprocess.run(["tshark", "-r", str(path), "-T", "fields", *(arg for f in fields for arg in ("-e", f))],
                          capture_output=True, text=True, timeout=TSHARK_SECONDS)
    assert done.returncode == 0, f"tshark could not read {path}: {done.stderr}"
    return [dict(zip(fields, line.split("\t"), strict=True)) for line in done.stdout.splitlines()]


def suspects(frames: list[dict[str, str]]) -> list[dict[str, str]]:
    return [frame for frame in frames if any(frame[flag] for flag in SUSPECT_FLAGS)]


def test_tshark_sees_each_frame_once_and_the_comments(wire):
    session = wire.serve("forking")
    curl(session.url(TARGET), max_time=5)
    connection, = wire.connections(1)
    wire.expect(checks.handshake(connection))
    read = tshark(wire.save())
    assert len(read) == len(wire.observe().capture.frames)
    assert not suspects(read), f"tshark flags frames as retransmitted or duplicated: {suspects(read)}"
    assert any("handshake 1/3: client SYN" in frame["frame.comment"] for frame in read), read


def test_tshark_flags_a_capture_whose_frames_are_doubled(wire, tmp_path):
    """The check above can fail: both loopback copies of each frame look like retransmissions."""
    session = wire.serve("forking")
    curl(session.url(TARGET), max_time=5)
    frames = wire.observe().capture.frames
    doubled = tmp_path / "doubled.pcapng"
    pcapng.write(doubled, [frame for frame in frames for _copy in (1, 2)], {})
    assert suspects(tshark(doubled)), "tshark did not notice doubled frames"
