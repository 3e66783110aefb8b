"""`wire.serve_command` runs the server in the directory pytest was started from, where a user's `./my-server`
and its relative paths resolve (docs/api.md says so), or in the `cwd=` it is given; never in the package's own
directory (site-packages, once installed).

A nested run (in this process) started from a directory of its own, whose server prints where it runs.
"""

import shutil
import tempfile
from pathlib import Path

import pytest

from wirecheck.capture._loopback import can_capture
from wirecheck.tshark._handoff import HANDOFF_VARIABLE

pytest_plugins = ["pytester"]
pytestmark = pytest.mark.skipif(bool(can_capture()), reason=can_capture() or "")

ELSEWHERE = "/"  # a directory every server user may enter
PRINTS_ITS_DIRECTORY = ("import os, socket, sys; print(os.getcwd(), flush=True); s = socket.socket(); "
                        "s.bind(('127.0.0.1', int(sys.argv[1]))); s.listen(); s.accept()")
NESTED_TESTS = f"""
import sys
from pathlib import Path

SERVER = [sys.executable, "-c", {PRINTS_ITS_DIRECTORY!r}, "{{port}}"]


def test_by_default_where_pytest_was_started(wire, request):
    session = wire.serve_command(SERVER)
    assert session.server.output().strip() == str(request.config.invocation_params.dir)


def test_in_the_directory_given(wire):
    session = wire.serve_command(SERVER, cwd=Path({ELSEWHERE!r}))
    assert session.server.output().strip() == {ELSEWHERE!r}
"""


def test_serve_command_runs_where_pytest_was_started_or_in_the_directory_given(pytester, monkeypatch):
    started_in = Path(tempfile.mkdtemp(prefix="wirecheck-started-here-"))
    started_in.chmod(0o755)  # the servers may run as nobody
    try:
        (started_in / "test_where.py").write_text(NESTED_TESTS)
        monkeypatch.chdir(started_in)
        monkeypatch.delenv(HANDOFF_VARIABLE, raising=False)  # its captures go with the directory: it checks them
        done = pytester.runpytest_inprocess("test_where.py", "-p", "no:cacheprovider", "-p", "no:xdist")
        done.assert_outcomes(passed=2)
    finally:
        shutil.rmtree(started_in)
