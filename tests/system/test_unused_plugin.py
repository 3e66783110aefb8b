"""wirecheck installed but not used costs a project one header line: its run starts no process, is not made a
child subreaper and leaves no captures/; what a test of the wire needs starts with the first test that asks for
`wire`, and a captures directory that cannot be written fails that test, not the run."""

import os
import pwd
import subprocess
import sys

import pytest
import unrelated_project

from wirecheck.capture._loopback import can_capture
from wirecheck.server._privileges import DEFAULT_SERVER_USER
from wirecheck.tshark._handoff import without_handoff

RUN_SECONDS = 60
pytest_plugins = ["pytester"]
UNWRITABLE_ROOTDIR = "/proc/sys"  # not even root may make captures/ there
WIRE_TEST = '''
def test_captures(wire):
    wire.serve("forking")


def test_does_not_capture():
    pass
'''


def test_a_project_that_never_asks_for_wire_runs_untouched(tmp_path):
    project = unrelated_project.make(tmp_path / "project")
    # As its own user starts it: the entry point loads wirecheck, no run of this suite is above it to hand up to.
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider"],
                          cwd=project, env=without_handoff(os.environ), capture_output=True, text=True,
                          timeout=RUN_SECONDS)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert f"{unrelated_project.TESTS - 1} passed, 1 skipped" in done.stdout, done.stdout[-3000:]
    assert len(unrelated_project.wirecheck_lines(done.stdout)) <= 1, done.stdout[:3000]
    assert not (project / "captures").exists()


def test_a_captures_directory_that_cannot_be_written_fails_the_first_test_that_captures_only(pytester):
    if can_capture():
        pytest.skip(can_capture())
    pytester.makepyfile(test_some=WIRE_TEST)
    done = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-p", "no:xdist", "--rootdir", UNWRITABLE_ROOTDIR)
    done.assert_outcomes(passed=1, errors=1)
    assert f"--wire-pcap-dir {UNWRITABLE_ROOTDIR}/captures: cannot write captures there" in done.stdout.str()


def test_a_machine_without_the_default_server_user_runs_a_project_that_never_asks_for_wire(pytester, monkeypatch):
    """The servers' default user (nobody) is looked up when a test first needs it, not at start-up (as root)."""
    if os.geteuid() != 0:
        pytest.skip("the user is looked up only when the suite is root")
    known = pwd.getpwnam
    monkeypatch.setattr(pwd, "getpwnam", lambda name: known(name) if name != DEFAULT_SERVER_USER else {}[name])
    pytester.makepyfile("def test_nothing():\n    pass\n")
    pytester.runpytest_inprocess("-p", "no:cacheprovider", "-n", "0").assert_outcomes(passed=1)
