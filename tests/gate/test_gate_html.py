"""A failing gate run's --wire-html-report shows the failing frame in red: the gate, run as a user runs it (under
pytest-xdist) against the iterative server, which fails property 4 (no-waiting), writes the page; headless
Chromium renders it.

The red frame is checked against the run's own evidence, not the page's: the frames the
wire annotated as failed in the saved capture (each problem's frame, numbered from 1 as in
the run model). The run goes to captures/test_gate_html/ with paths relative to the clone,
so that the page and its screenshot (docs/html-report.png is a copy) show no machine's
directories.
"""

import os
import shutil
import sys
from pathlib import Path

import pytest
from gate_runs import failed_properties, gate, selecting
from page_checks import needs_chromium, rendered, without_spaces

from wirecheck.article._registry import server
from wirecheck.capture._loopback import can_capture
from wirecheck.capture._pcapng_reader import read
from wirecheck.server._session import REPO_ROOT

pytestmark = [pytest.mark.slow, needs_chromium,
              pytest.mark.skipif(can_capture() is not None, reason=str(can_capture()))]

RUN = Path("captures") / "test_gate_html"  # relative to the clone, where the gate runs
WINDOW = (1200, 2000)  # the settings, the contract table and the failing test's first ladders
# Its capture's name: the test's, named by its property (no-waiting), and the parameter.
FAILING = "test_no_waiting_clients_that_hold_a_connection_do_not_hold_up_overlapping_clients_silent"
# A client that waits behind the silent ones is answered late, or, past the listen backlog, never connected.
WAITED = {"late-response", "no-response", "handshake-broken", "no-request"}
FAILED_NOTE = "FAILED: "  # how the wire annotates a problem's frame in the capture


def test_a_failing_gate_runs_report_shows_the_failing_frame_in_red_with_its_text():
    shutil.rmtree(REPO_ROOT / RUN, ignore_errors=True)
    command = f"{_relative(Path(sys.executable))} {_relative(server('iterative').path)} --port {{port}}"
    # no-waiting alone (the property the iterative server fails), through xdist: its captures are written by a worker
    # (one is enough, and each costs a second of CPU to start), the page by the controller once the run is over.
    only_silent = f"{selecting('no-waiting')} and silent"
    done = gate(command, RUN, "--wire-html-report", str(RUN / "report.html"), "-n", "1", "-k", only_silent)
    _, failed, _ = failed_properties(REPO_ROOT / RUN / "junit.xml")
    assert failed.keys() == {"no-waiting"} and failed["no-waiting"] <= WAITED, done.stdout[-3000:]
    capture = read(REPO_ROOT / RUN / "captures" / "test_contract" / f"{FAILING}.pcapng")
    notes = {index + 1: text.removeprefix(FAILED_NOTE) for index, texts in capture.comments.items()
             for text in texts if text.startswith(FAILED_NOTE)}
    assert notes, f"expected the wire to annotate the failing frame in {capture.path}"
    page = REPO_ROOT / RUN / "report.html"
    ladders = rendered(page, WINDOW)
    assert sorted(frame for _, frame in ladders.failed) == sorted(notes), (
        f"expected frames {sorted(notes)} in red, got {ladders.failed}")
    for note in notes.values():
        assert without_spaces(note) in without_spaces(ladders.failed_text), f"expected {note!r} beside its frame"


def _relative(path: Path) -> str:
    """`path` relative to the clone (the gate's and the server's working directory) when it lies inside it."""
    return os.path.relpath(path, REPO_ROOT) if path.is_relative_to(REPO_ROOT) else str(path)
