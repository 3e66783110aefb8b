"""A run whose saved capture tshark reads otherwise than the suite (frames doubled, comments lost) fails,
and names each test whose capture disagrees, serially and under pytest-xdist alike.

Each case runs pytest on three small inner tests in a subprocess: one saves its capture as
it saw it, two save it spoiled. The tests themselves pass; only tshark's batch check, at
the end of the run, can fail it.
"""

import re
import shutil
import subprocess
import sys

import pytest

from wirecheck.session import REPO_ROOT

INNER_TEST = '''
from wirecheck import checks, pcapng
from wirecheck.clients import curl

def exchange(wire):
    session = wire.serve("forking")
    curl(session.url(), max_time=5)
    connection, = wire.connections(1)
    wire.expect(checks.handshake(connection))  # comments on three frames

def test_saved_as_seen(wire):
    exchange(wire)

def test_saved_with_frames_doubled(monkeypatch, wire):
    write = pcapng.write
    monkeypatch.setattr(pcapng, "write", lambda path, frames, comments: write(
        path, [copy for frame in frames for copy in (frame, frame)], comments))
    exchange(wire)

def test_saved_without_comments(monkeypatch, wire):
    write = pcapng.write
    monkeypatch.setattr(pcapng, "write", lambda path, frames, comments: write(path, frames, {}))
    exchange(wire)
'''
RUN_SECONDS = 120
HEADING = "wirecheck: tshark disagrees with the suite"

pytestmark = [pytest.mark.slow, pytest.mark.skipif(shutil.which("tshark") is None,
                                                   reason="tshark is not installed (bin/setup installs it)")]


@pytest.mark.parametrize("distribution", [["-p", "no:xdist"], ["-n", "2"]], ids=["serial", "xdist"])
def test_a_capture_tshark_reads_otherwise_fails_the_run_and_names_its_test(tmp_path, distribution):
    inner = tmp_path / "test_inner_tshark.py"
    inner.write_text(INNER_TEST)
    # The inner test lives outside the repository: name the suite's settings and plugin explicitly.
    done = subprocess.run([sys.executable, "-m", "pytest", str(inner), "-c", str(REPO_ROOT / "pyproject.toml"),
                           "-p", "wirecheck.plugin", "-p", "no:cacheprovider", *distribution,
                           "--pcap-dir", str(tmp_path / "captures")],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=RUN_SECONDS)
    output = done.stdout + done.stderr
    assert "3 passed" in output, output
    assert done.returncode == pytest.ExitCode.TESTS_FAILED, f"expected the run to fail:\n{output}"
    named = output.split(HEADING, 1)[-1]
    assert HEADING in output and "test_saved_with_frames_doubled" in named, output
    counts = re.search(r"tshark read (\d+) frames, the suite wrote (\d+)", named)
    assert counts and int(counts[1]) == 2 * int(counts[2]), output
    assert "test_saved_without_comments" in named and "commented frames: tshark reads none" in named, output
    assert "test_saved_as_seen" not in named, output
