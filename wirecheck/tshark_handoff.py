"""Captures that a nested run hands up to the run it is nested in, for that run's one tshark batch.

The suite's own tests run pytest inside pytest (the gate, as a user types it), a dozen times
a run. Each nested run used to start its own tshark at its end: ~0.45 s of CPU and half a
second of waiting, each. Instead every test process names a directory in HANDOFF_VARIABLE
for the processes its tests start. A run that finds the variable set at its start (a nested
run) writes each capture's expectations there, one file each, as their reports arrive, and
starts no tshark; the test that ran it picks them up at its teardown and sends them on with
its own report, so the outer run's batch checks them, and fails the outer run, naming the
nested test, if tshark reads one otherwise. A run started by a person has no such variable
and checks its own captures.
"""

import json
import os
import shutil
import tempfile
import uuid
from pathlib import Path

HANDOFF_VARIABLE = "WIRECHECK_TSHARK_HANDOFF"

Handed = dict[str, object]  # {"test": name, "expected": Expectations as plain data}


def inherited() -> Path | None:
    """The directory this run hands its captures up to, when it is nested in a wirecheck run."""
    directory = os.environ.get(HANDOFF_VARIABLE)
    return Path(directory) if directory else None


def hand_up(directory: Path, handed: list[Handed]) -> None:
    """Write `handed` for the outer run, whole or not at all (a nested run may be killed at any moment)."""
    if not handed:
        return
    final = directory / f"{uuid.uuid4().hex}.json"
    partial = final.with_suffix(".part")
    partial.write_text(json.dumps(handed))
    partial.replace(final)


class Inbox:
    """The directory this process's tests' nested runs hand their captures up to."""

    def __init__(self) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="wirecheck-tshark-handoff-"))
        self._outer = os.environ.get(HANDOFF_VARIABLE)  # a run nested in this process (pytester) sets its own
        os.environ[HANDOFF_VARIABLE] = str(self.directory)

    def collect(self, test: str) -> list[Handed]:
        """What nested runs handed up since the last call, each named under `test`, the test that ran them."""
        found = []
        for path in sorted(self.directory.glob("*.json")):
            found += [{**handed, "test": f"{test} > {handed['test']}"} for handed in json.loads(path.read_text())]
            path.unlink()
        return found

    def close(self) -> None:
        if self._outer is None:
            os.environ.pop(HANDOFF_VARIABLE, None)
        else:
            os.environ[HANDOFF_VARIABLE] = self._outer
        shutil.rmtree(self.directory, ignore_errors=True)
