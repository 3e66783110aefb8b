"""Saved captures checked by tshark in batches, on a helper thread, while the tests go on.

Every BATCH_SIZE captures, the helper thread has one tshark read them all
(wirecheck.tshark._check.check); `settle` reads the rest and returns every finding. One
batch for the whole run, not one per worker: each tshark start costs ~0.45 s of CPU, and
six workers' last batches, started together at the end, kept the run waiting. The pytest
side, which feeds the batch from the test reports, is wirecheck.plugin._tshark_reports.
"""

from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import nullcontext

from wirecheck import _phases as phases
from wirecheck.capture._loopback import leave_signals_to_the_main_thread
from wirecheck.tshark import _check as tshark
from wirecheck.tshark._check import Expectations

BATCH_SIZE = 50  # one tshark start (~0.45 s of CPU) per 50 captures: a nested contract run (~25) needs one
SETTLE_PHASE = "waiting for tshark at the end"

Finding = dict[str, object]  # {"test": node id, "capture": path, "problems": [...]}: plain data, to cross xdist
Pending = tuple[str, Expectations, bytes]


class TsharkBatch:
    """Captures waiting for tshark, and the checks under way in one helper thread."""

    def __init__(self, size: int = BATCH_SIZE, timed: bool = True) -> None:
        self.size = size
        self.timed = timed  # counted in the run's phase timing (wirecheck._phases); a unit test's batch is not
        self._pending: list[Pending] = []
        self._unread: list[Finding] = []
        self._checks: list[Future] = []
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tshark-batch",
                                            initializer=leave_signals_to_the_main_thread)

    def add(self, test: str, expected: Expectations) -> None:
        """Queue the capture saved at `expected.path` by `test`; start a check once a batch is full."""
        try:
            data = expected.path.read_bytes()
        except OSError as error:  # removed by the time its report came (a fixture's scratch directory, say)
            self._unread.append({"test": test, "capture": str(expected.path),
                                 "problems": [f"tshark could not read the capture: {error.strerror}"]})
            return
        self._pending.append((test, expected, data))
        if len(self._pending) >= self.size:
            self._submit()

    def settle(self) -> list[Finding]:
        """Check what is left, wait for every check, and return the captures tshark disagrees about."""
        self._submit()
        with phases.timed(SETTLE_PHASE) if self.timed else nullcontext():
            self._executor.shutdown(wait=True)
        return self._unread + [finding for check in self._checks for finding in check.result()]

    def _submit(self) -> None:
        if self._pending:
            self._checks.append(self._executor.submit(_check, self._pending, self.timed))
            self._pending = []


def _check(pending: list[Pending], timed: bool) -> list[Finding]:
    with phases.timed("tshark") if timed else nullcontext():
        findings = []
        for group in _distinct_ports(pending):
            results = tshark.check([(expected, data) for _, expected, data in group])
            findings += [{"test": test, "capture": str(expected.path), "problems": problems}
                         for (test, expected, _), problems in zip(group, results, strict=True) if problems]
        return findings


def _distinct_ports(pending: list[Pending]) -> list[list[Pending]]:
    """`pending` in as few groups as can be read together: no server port twice in a group."""
    groups: list[list[Pending]] = []
    for item in pending:
        port = item[1].server_port
        group = next((g for g in groups if all(other.server_port != port for _, other, _ in g)), None)
        if group is None:
            groups.append(group := [])
        group.append(item)
    return groups
