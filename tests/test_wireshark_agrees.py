"""tshark reads the saved capture of a normal exchange: every frame once, no retransmission or
duplicate ACK, the suite's comments readable as frame.comment."""

import shutil
import subprocess

import pytest
from expectations import TARGET

from wirecheck import checks, pcapng
from wirecheck.clients import curl

TSHARK_SECONDS = 30
# Wireshark's TCP analysis flags what a doubled or lost frame looks like on the wire.
SUSPECT_FRAMES = "tcp.analysis.retransmission || tcp.analysis.duplicate_ack || tcp.analysis.lost_segment"

pytestmark = pytest.mark.skipif(shutil.which("tshark") is None,
                                reason="tshark is not installed (bin/setup installs it)")


def tshark(path, *arguments: str) -> list[str]:
    done = subprocess.run(["tshark", "-r", str(path), *arguments], capture_output=True, text=True,
                          timeout=TSHARK_SECONDS)
    assert done.returncode == 0, f"tshark could not read {path}: {done.stderr}"
    return done.stdout.splitlines()


def test_tshark_sees_each_frame_once_and_the_comments(wire):
    session = wire.serve("forking")
    curl(session.url(TARGET), max_time=5)
    connection, = wire.connections(1)
    wire.expect(checks.handshake(connection))
    path = wire.save()
    assert len(tshark(path)) == len(wire.observe().capture.frames)
    suspects = tshark(path, "-Y", SUSPECT_FRAMES)
    assert not suspects, "tshark flags frames as retransmitted or duplicated:\n" + "\n".join(suspects)
    comments = tshark(path, "-Y", "frame.comment", "-T", "fields", "-e", "frame.comment")
    assert any("handshake 1/3: client SYN" in line for line in comments), comments


def test_tshark_flags_a_capture_whose_frames_are_doubled(wire, tmp_path):
    """The check above can fail: both loopback copies of each frame look like retransmissions."""
    session = wire.serve("forking")
    curl(session.url(TARGET), max_time=5)
    frames = wire.observe().capture.frames
    doubled = tmp_path / "doubled.pcapng"
    pcapng.write(doubled, [frame for frame in frames for _copy in (1, 2)], {})
    assert tshark(doubled, "-Y", SUSPECT_FRAMES), "tshark did not notice doubled frames"
