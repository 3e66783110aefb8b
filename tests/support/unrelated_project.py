"""A project that does not use wirecheck, as its users' other projects do: its tests, run where wirecheck is
installed, check that the plugin left their pytest process alone.

Its conftest.py notes each process the pytest process starts, from its import on (an audit hook: before any
plugin's pytest_configure, and after nothing but the plugins' imports), with the code that started it; its tests
find that wirecheck's code started none and that the process was not made a child subreaper. The caller checks
what is left on disk (no captures/) and what the run printed (at most one line of wirecheck's, in the report
header).
"""

from pathlib import Path

CONFTEST = '''
import os
import sys
import traceback

import pytest

STARTING = ("subprocess.Popen", "os.posix_spawn", "os.exec", "os.system", "os.fork", "os.forkpty")
started = []  # each process started: what, and the source files of the Python frames that started it


def _note(event, args):
    if event in STARTING:
        started.append((f"{event} {args[:2]!r}", [frame.filename for frame in traceback.extract_stack()]))


sys.addaudithook(_note)


@pytest.fixture
def started_by():
    """The processes started so far by the code of a package (other plugins start some: uname, for metadata)."""
    def by(package):
        module = sys.modules.get(package)
        if module is None:
            return []
        directory = os.path.dirname(module.__file__) + os.sep
        return [what for what, files in started if any(file.startswith(directory) for file in files)]
    return by
'''

TEST_PROCESS = '''
import ctypes

PR_GET_CHILD_SUBREAPER = 37  # linux/prctl.h


def test_this_process_is_no_child_subreaper():
    flag = ctypes.c_int()
    assert ctypes.CDLL(None).prctl(PR_GET_CHILD_SUBREAPER, ctypes.byref(flag), 0, 0, 0) == 0
    assert flag.value == 0


def test_wirecheck_started_nothing_before_this_test(started_by):
    assert started_by("wirecheck") == []
'''

TEST_ASYNC = '''
import asyncio

import pytest

pytest.importorskip("pytest_asyncio")


@pytest.mark.asyncio
async def test_an_asyncio_test_runs():
    assert await asyncio.sleep(0, result=1) == 1
'''

TESTS = 3  # the asyncio one is skipped where pytest-asyncio is not installed


def make(directory: Path) -> Path:
    """The project, written into `directory` (made if missing); returns it."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in {"conftest.py": CONFTEST, "test_process.py": TEST_PROCESS, "test_async.py": TEST_ASYNC}.items():
        (directory / name).write_text(text.lstrip())
    return directory


def wirecheck_lines(output: str) -> list[str]:
    """What wirecheck printed in a run of this project: its lines start with its name (the report header's)."""
    return [line for line in output.splitlines() if line.startswith("wirecheck")]
