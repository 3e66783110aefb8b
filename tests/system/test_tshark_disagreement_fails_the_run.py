"""A run whose saved capture tshark reads otherwise than the suite (frames doubled, comments lost) fails,
and names each test whose capture disagrees, serially and under pytest-xdist alike.

Each case runs pytest on three small inner tests in a subprocess: one saves its capture as
it saw it, two save it spoiled. The tests themselves pass; only tshark's batch check, at
the end of the run, can fail it.
"""

import os
import re
import shutil
import subprocess
import sys

import pytest

from wirecheck.server._session import REPO_ROOT
from wirecheck.tshark._handoff import without_handoff

INNER_TEST = '''
from wirecheck import checks
from wirecheck.capture import _pcapng_writer as pcapng
from wirecheck.clients._requests import curl

def exchange(wire):
    session = wire.serve("forking")
    curl(session.url(), max_time=5)
    connection, = wire.connections(1)
    wire.expect(checks.handshake(connection))  # comments on three frames

def test_saved_as_seen(wire):
    exchange(wire)

def test_saved_with_frames_doubled(monkeypatch, wire):
    write = pcapng.write
    monkeypatch.setattr(pcapng, "write", lambda path, frames, comments, *secrets: write(
        path, [copy for frame in frames for copy in (frame, frame)], comments, *secrets))
    exchange(wire)

def test_saved_without_comments(monkeypatch, wire):
    write = pcapng.write
    monkeypatch.setattr(pcapng, "write", lambda path, frames, comments, *secrets: write(path, frames, {}, *secrets))
    exchange(wire)
'''
# A test that runs INNER_TEST in a nested run: that run hands its captures up to the run this test is in.
NESTING_TEST = '''
import subprocess, sys

def test_runs_the_spoiled_tests():
    done = subprocess.run([sys.executable, "-m", "pytest", "{nested}", "-c", "{config}", "-p", "wirecheck.plugin",
                           "-p", "no:cacheprovider", "-n", "0", "--wire-pcap-dir", "{nested}/captures"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout  # its tests pass, and it leaves its captures to this run's tshark
'''
RUN_SECONDS = 120
HEADING = "wirecheck: tshark disagrees with the suite"

pytestmark = [pytest.mark.slow, pytest.mark.skipif(shutil.which("tshark") is None,
                                                   reason="tshark is not installed (bin/setup installs it)")]


@pytest.mark.parametrize("distribution", [["-n", "0"], ["-n", "1"]], ids=["serial", "xdist"])
def test_a_capture_tshark_reads_otherwise_fails_the_run_and_names_its_test(tmp_path, distribution):
    done = _run(tmp_path, INNER_TEST, *distribution)
    assert "3 passed" in done, done
    _assert_fails_naming_the_spoiled_tests(done)


def test_a_nested_run_hands_its_captures_up_and_the_outer_run_fails_naming_the_nested_test(tmp_path):
    """The suite's own nested runs (the gate run as a user types it) start no tshark: the run they are nested in
    checks their captures. The spoiled ones then fail that run, under the test that ran the nested one."""
    (tmp_path / "nested").mkdir()
    (tmp_path / "nested" / "test_inner_tshark.py").write_text(INNER_TEST)
    nesting = NESTING_TEST.format(nested=tmp_path / "nested", config=REPO_ROOT / "pyproject.toml")
    done = _run(tmp_path, nesting, "-n", "0")
    assert "1 passed" in done, done
    _assert_fails_naming_the_spoiled_tests(done, nested_in="test_runs_the_spoiled_tests > ")


def _run(tmp_path, test: str, *options: str) -> str:
    """pytest on `test` in a subprocess, as a person starts it (its own tshark checks its captures, none is handed
    up to this run); its output, which must say the run failed."""
    inner = tmp_path / "test_inner_tshark.py"
    inner.write_text(test)
    # The inner test lives outside the repository: name the suite's settings and plugin explicitly. Their addopts
    # ask for xdist workers: each caller says -n (0 serially; -p no:xdist would leave -n unknown outside the clone,
    # whose conftest.py accepts it without xdist).
    done = subprocess.run([sys.executable, "-m", "pytest", str(inner), "-c", str(REPO_ROOT / "pyproject.toml"),
                           "-p", "wirecheck.plugin", "-p", "no:cacheprovider", *options,
                           "--wire-pcap-dir", str(tmp_path / "captures")],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=RUN_SECONDS,
                          env=without_handoff(os.environ))
    output = done.stdout + done.stderr
    assert done.returncode == pytest.ExitCode.TESTS_FAILED, f"expected the run to fail:\n{output}"
    return output


def _assert_fails_naming_the_spoiled_tests(output: str, nested_in: str = "") -> None:
    """The run failed under HEADING, naming the two spoiled tests (under `nested_in`, the test that ran them) with
    what tshark read otherwise, and not the one saved as seen."""
    named = output.split(HEADING, 1)[-1]
    assert HEADING in output, output
    for spoiled in ("test_saved_with_frames_doubled", "test_saved_without_comments"):
        names = [line for line in named.splitlines() if spoiled in line and "capture:" not in line]
        assert names and all(nested_in in line.split(spoiled)[0] for line in names), output
    counts = re.search(r"tshark read (\d+) frames, the suite wrote (\d+)", named)
    assert counts and int(counts[1]) == 2 * int(counts[2]), output
    assert "commented frames: tshark reads none" in named, output
    assert "test_saved_as_seen" not in named, output

