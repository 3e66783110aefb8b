"""Whatever way a run ends (passing, failing, timed out, interrupted with Ctrl-C), the suite leaves no
process, no zombie, no capture thread and no busy port behind, and the captures it wrote are whole.

Each case runs pytest on a small inner test in a subprocess (pytest's own pytester), as a user
would, and inspects what is left afterwards. The inner server is forking with a long delay, so that a child
is still running when the test ends: the whole tree has to be ended, not just the parent.
"""

import json
import os
import shutil
import signal
import subprocess
import sys

import psutil
import pytest

from wirecheck.server import _sock_diag as sock_diag
from wirecheck.server._session import REPO_ROOT
from wirecheck.server._waiting import wait_until

pytestmark = pytest.mark.slow

pytest_plugins = ["pytester"]

INNER_TEST = '''
import faulthandler, json, os, signal, threading, time
import pytest
from wirecheck.clients._requests import curl

faulthandler.register(signal.SIGUSR1)  # the outer test asks for every thread's stack if this run hangs

@pytest.fixture(scope="session", autouse=True)
def threads_left_at_the_end():
    yield  # torn down after every test's own teardown, even after Ctrl-C
    names = [t.name for t in threading.enumerate() if t.name.startswith("wirecheck")]
    with open(os.environ["THREADS_FILE"], "w") as file:
        json.dump(names, file)

def test_inner(wire):
    session = wire.serve("forking", delay=60)
    curl(session.url(), max_time=0.3)  # the child now sleeps 60 s holding the connection
    with open(os.environ["RECORD_FILE"], "w") as file:
        json.dump({"pids": [p.pid for p in session.server.view.tree()], "port": session.port}, file)
    mode = os.environ["INNER_MODE"]
    if mode == "fail":
        assert False, "a deliberate failure"
    if mode in ("timeout", "interrupt"):
        open(os.environ["READY_FILE"], "w").close()
        time.sleep(60)
'''
# pytest-timeout's limit for the inner test of the timeout case: past its server's start and curl
# even on a busy machine (it passed beside eight busy loops); the other cases keep the suite's own limit, so that
# only Ctrl-C ends them.
INNER_TIMEOUT_SECONDS = "3"
RUN_SECONDS = 60
# After Ctrl-C, teardown ends one server and checks one capture: seconds, even on a busy machine.
INTERRUPTED_EXIT_SECONDS = 20
READY_POLL_SECONDS = 0.05


def run_inner(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch,
              mode: str) -> tuple[tuple[int, str], dict, list[str]]:
    """Run the inner test in `mode`; return pytest's exit status, what the test recorded, threads left."""
    tmp_path = pytester.path
    inner = pytester.makepyfile(test_inner_cleanup=INNER_TEST)
    files = {name: tmp_path / f"{name.lower()}.json" for name in ("RECORD_FILE", "THREADS_FILE", "READY_FILE")}
    for name, value in {"INNER_MODE": mode, **{name: str(path) for name, path in files.items()}}.items():
        monkeypatch.setenv(name, value)  # pytester.popen builds the inner run's environment from ours
    # The inner test lives outside the repository: name the suite's settings and plugin explicitly. Serially (-n 0:
    # the settings' addopts ask for xdist workers, and -p no:xdist would leave their -n unknown here, where the
    # clone's conftest.py, which accepts it without xdist, is not loaded).
    command = [sys.executable, "-m", "pytest", str(inner), "-q", "-c", str(REPO_ROOT / "pyproject.toml"),
               "-p", "wirecheck.plugin", "-p", "no:cacheprovider", "-n", "0",
               "--wire-pcap-dir", str(tmp_path / "captures")]
    if mode == "timeout":
        command += ["--timeout", INNER_TIMEOUT_SECONDS]
    # A shell without job control starts background jobs with SIGINT ignored, and Python keeps an ignored
    # SIGINT ignored: give the inner run the default, as a terminal would, so that Ctrl-C can reach it.
    inner_pytest = pytester.popen(command, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL, text=True, preexec_fn=_default_sigint)
    if mode == "interrupt":
        wait_until(lambda: files["READY_FILE"].exists() or inner_pytest.poll() is not None, RUN_SECONDS,
                   poll=READY_POLL_SECONDS)
        inner_pytest.send_signal(signal.SIGINT)  # what Ctrl-C sends
    try:
        output = inner_pytest.communicate(timeout=INTERRUPTED_EXIT_SECONDS if mode == "interrupt" else RUN_SECONDS)[0]
    except subprocess.TimeoutExpired:
        inner_pytest.send_signal(signal.SIGUSR1)  # its stacks, to show where it hangs
        wait_until(lambda: False, READY_POLL_SECONDS * 10)  # a moment for the stacks to be written
        inner_pytest.kill()
        pytest.fail(f"the inner run did not end ({mode}):\n{inner_pytest.communicate()[0]}", pytrace=False)
    record = json.loads(files["RECORD_FILE"].read_text())
    threads = json.loads(files["THREADS_FILE"].read_text())
    return (inner_pytest.returncode, output), record, threads


@pytest.mark.parametrize("mode, status", [
    ("pass", pytest.ExitCode.OK),
    ("fail", pytest.ExitCode.TESTS_FAILED),
    ("timeout", pytest.ExitCode.TESTS_FAILED),
    ("interrupt", pytest.ExitCode.INTERRUPTED),
])
def test_a_run_leaves_nothing_behind_and_whole_captures(pytester, monkeypatch, mode, status):
    (returncode, output), record, threads = run_inner(pytester, monkeypatch, mode)
    leftovers = [pid for pid in record["pids"] if psutil.pid_exists(pid)]
    try:
        assert returncode == status, f"expected pytest to exit {status!r}, it exited {returncode}:\n{output}"
        assert len(record["pids"]) >= 2, f"expected a server and its child to have run: {record}"
        assert not leftovers, f"expected no process of the server's tree left, found {_describe(leftovers)}"
        assert not threads, f"expected no capture thread left at the end of the run, found {threads}"
        listening = sock_diag.listeners(record["port"])
        assert not listening, f"expected port {record['port']} free, still listened on: {listening}"
        _assert_whole_captures(pytester.path / "captures")
    finally:
        _end(leftovers)


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _assert_whole_captures(directory) -> None:
    captures = list(directory.rglob("*.pcapng"))
    assert captures, f"expected the run to have saved its capture under {directory}"
    assert not list(directory.rglob("*.partial")), "expected no half-written capture"
    if shutil.which("tshark") is None:
        return
    for capture in captures:
        done = subprocess.run(["tshark", "-r", str(capture)], capture_output=True, text=True, timeout=RUN_SECONDS)
        assert done.returncode == 0 and done.stdout, f"tshark could not read {capture}: {done.stderr}"


def _describe(pids: list[int]) -> list[str]:
    described = []
    for pid in pids:
        try:
            process = psutil.Process(pid)
            described.append(f"{pid} ({process.status()}: {' '.join(process.cmdline())})")
        except psutil.Error:
            described.append(str(pid))
    return described


def _end(pids: list[int]) -> None:
    """Kill and reap what a failed case left, so that this test leaves nothing either."""
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
