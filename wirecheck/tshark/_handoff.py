"""Captures that a nested run hands up to the run it is nested in, for that run's one tshark batch.

The suite runs pytest inside pytest (the gate, as a user types it) a dozen times a run; each
nested run's own tshark cost ~0.45 s of CPU and a wait at its end. Instead each test process
names a directory in HANDOFF_VARIABLE for the runs its tests start. A run that finds the
variable set (a nested run) starts no tshark: it writes what its captures should show there,
one file per teardown report, and the test that started it sends them on with its own report.
The directory is made by the first nested run, as it starts: a run that nests none (any
project's, where wirecheck is merely installed) leaves nothing on disk.
"""

import json
import os
import shutil
import tempfile
import uuid
import warnings
from pathlib import Path

HANDOFF_VARIABLE = "WIRECHECK_TSHARK_HANDOFF"

Handed = dict[str, object]  # {"test": name, "expected": Expectations as plain data}


def inherited() -> Path | None:
    """The directory this run hands its captures up to, when it is nested in a wirecheck run."""
    directory = os.environ.get(HANDOFF_VARIABLE)
    return Path(directory) if directory else None


def without_handoff(environment: dict[str, str]) -> dict[str, str]:
    """`environment` for a run that must check its own captures, as a run started by a person does."""
    return {name: value for name, value in environment.items() if name != HANDOFF_VARIABLE}


def open_inbox(directory: Path) -> None:
    """Make the inbox of the run this one is nested in, unless an earlier nested run has: as this run starts, while
    the outer run is surely there (made later, it could outlive an outer run that is gone)."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)  # an xdist worker's inbox lies inside the controller's


def hand_up(directory: Path, handed: list[Handed]) -> None:
    """Write `handed` for the outer run, whole or not at all (a nested run may be killed at any moment)."""
    if not handed:
        return
    final = directory / f"{uuid.uuid4().hex}.json"
    partial = final.with_suffix(".part")
    try:
        partial.write_text(json.dumps(handed))
        partial.replace(final)
    except OSError as error:  # the outer run is over (interrupted): nobody is left to check these
        warnings.warn(f"wirecheck: {len(handed)} capture(s) not handed up to tshark's check: {error}", stacklevel=2)


class Inbox:
    """The directory this process's tests' nested runs hand their captures up to, once one has made it."""

    def __init__(self, inside: Path | None = None) -> None:
        # Named now, made by the first nested run (open_inbox). Inside the outer run's inbox when nested: whatever
        # a killed process leaves, the outermost run removes.
        self.directory = (inside or Path(tempfile.gettempdir())) / f"wirecheck-tshark-handoff-{uuid.uuid4().hex}"
        self._restore = os.environ.get(HANDOFF_VARIABLE)  # an in-process run (pytester) hands back what it found
        os.environ[HANDOFF_VARIABLE] = str(self.directory)

    def collect(self, test: str) -> list[Handed]:
        """What nested runs handed up since the last call, each named under `test`, the test that ran them."""
        found = []
        for path in sorted(self.directory.glob("*.json")):
            found += [{**handed, "test": f"{test} > {handed['test']}"} for handed in json.loads(path.read_text())]
            path.unlink()
        return found

    def close(self) -> None:
        if self._restore is None:
            os.environ.pop(HANDOFF_VARIABLE, None)
        else:
            os.environ[HANDOFF_VARIABLE] = self._restore
        shutil.rmtree(self.directory, ignore_errors=True)
