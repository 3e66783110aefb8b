"""`wirecheck show` (and `python -m wirecheck show`, the same) draws a capture that tcpdump wrote exactly as the suite
saw the same wire.

tcpdump and the suite capture one curl exchange with the iterative server side by side;
the ladder drawn from tcpdump's pcap (no server port given: the SYN's sender is the client)
must match the suite's own ladder frame for frame, times aside (two sniffers stamp apart).
"""

import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from expectations import TARGET

from wirecheck.checks._timing import ACK_SETTLE_SECONDS
from wirecheck.clients._requests import curl
from wirecheck.render._ladder import ladder
from wirecheck.server._session import REPO_ROOT

pytestmark = pytest.mark.skipif(shutil.which("tcpdump") is None, reason="no tcpdump: bin/setup installs it")

CURL_SECONDS = 5.0
TCPDUMP_STOP_SECONDS = 10.0
_TIME_COLUMN = re.compile(r"^  [+-]\d+\.\d{6}  ", re.MULTILINE)


def test_show_draws_a_tcpdump_pcap_frame_for_frame_as_the_suite_saw_it(wire, tmp_path):
    server = wire.serve("iterative")
    path = tmp_path / "tcpdump.pcap"
    # --immediate-mode: without it, frames still in libpcap's buffer at SIGINT are never written.
    # -Z root: tcpdump would otherwise drop to its own user before opening a file in a directory it cannot write.
    tcpdump = subprocess.Popen(["tcpdump", "-i", "lo", "-n", "-U", "--immediate-mode", "-Z", "root", "-w", str(path),
                                f"tcp port {server.port}"], stderr=subprocess.PIPE, text=True)
    try:
        ready = tcpdump.stderr.readline()  # "listening on lo, ...": its socket is open and filtered
        assert "listening" in ready, f"tcpdump did not start: {ready}"
        curl(server.url(TARGET), CURL_SECONDS)
        time.sleep(ACK_SETTLE_SECONDS)
    finally:
        tcpdump.send_signal(signal.SIGINT)
        tcpdump.communicate(timeout=TCPDUMP_STOP_SECONDS)
    connection, = wire.connections(1)
    programs = ([sys.executable, "-m", "wirecheck"], [Path(sys.executable).with_name("wirecheck")])
    shown, command = (subprocess.run([*program, "show", str(path)], cwd=REPO_ROOT, capture_output=True, text=True,
                                     timeout=30) for program in programs)
    assert shown.returncode == 0, f"wirecheck show failed: {shown.stderr}"
    assert (command.returncode, command.stdout) == (0, shown.stdout), f"`wirecheck show` differs:\n{command.stdout}"
    heading, drawn = shown.stdout.rstrip("\n").split("\n\n")  # one connection: a heading and one ladder
    assert heading.endswith(f"{len(connection.segments)} frames, 1 TCP connection"), heading
    assert _TIME_COLUMN.sub("  ", drawn) == _TIME_COLUMN.sub("  ", ladder(connection)), (
        f"tcpdump's capture drawn:\n{drawn}\n\nthe suite's:\n{ladder(connection)}")
