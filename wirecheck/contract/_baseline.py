"""This run against a baseline profile (wirecheck.contract._profile): any change in behaviour is a problem.

Theory of operation. Both profiles hold, per property, an outcome and figures summed up by
type. A property's outcome must be the same; then each figure is compared by its type:

- timing: the medians, by packetdrill's tolerance rule with the settings' percentage and a
  floor of at least BASELINE_FLOOR_SECONDS (below). The max is kept in the profile for people,
  not compared: one slow sample of a burst is the machine's, not the server's.
- count: min and max must both be the same (a zombie, a descriptor, a connection more).
- category: the set of values must be the same (who closed first, FIN or RST, open).

Figures measured under load vary more than that from one run to the next on the same server; each has a rule of
its own in UNDER_LOAD, which holds run to run (bench/baseline_repeat.py shows it): latencies under load by the
tolerance rule with a floor of LOAD_FLOOR_SECONDS, memory per connection within a ratio, counts of events
under load as none against some.

A figure that the baseline has and this run did not measure has changed too. What this run
has and the baseline does not (a property or a figure that a newer wirecheck measures, a
property deselected with -k) is shown as not compared, never silently dropped. A figure in
NOT_COMPARED is shown with the reason it is not compared. Nothing here imports pytest.
"""

from dataclasses import dataclass, field

from wirecheck.checks._categories import wording
from wirecheck.checks._timing import Tolerance, seconds
from wirecheck.checks._verdict import Verdict

# Loopback timings of one run against the next differ by milliseconds when other processes
# share the two cores (scheduling, not the server): a timing compared by the settings' 4 ms
# floor would flap. The timeouts that regress in real servers (an idle timeout, a lingering
# close, a delay before FIN) are tenths of seconds and more, well beyond this floor.
BASELINE_FLOOR_SECONDS = 0.05

# Figures that describe this machine rather than the server under test: never compared.
NOT_COMPARED = {
    "syn_ack_delay": "the kernel answers the SYN, not the server: microseconds of loopback scheduling",
    "accept_queue_peak": "a sample of the queue while a burst is in flight: where it is caught depends on scheduling",
    "connect_p99": "which step of the SYN retransmission timeout (1 s, 3 s) a burst's slowest client reaches "
                   "depends on scheduling; syn_retransmissions and connect_p50 say whether clients waited",
    "cpu_at_limit": "a share of a core moves with the machine's load; its threshold judges it (descriptor-limit)",
    "memory_growth": "resident pages move by the allocator's and the kernel's whims, run to run",
    "bytes_before_window_closed": "the kernel's window arithmetic sets it as much as the server",
}

# Times under load (64 requests at once on two shared cores) move by tens of milliseconds between runs of the same
# server; the regressions worth a failure (a lock, a worker pool that queues requests, a SYN retransmission: 1 s)
# are larger. Memory per idle connection moves by kilobytes (allocator arenas, a forked child's page faults); a
# regression worth a failure is a connection that costs twice as much.
LOAD_FLOOR_SECONDS = 0.5
MEMORY_RATIO = 2.0
MEMORY_FLOOR_BYTES = 16 * 1024


@dataclass(frozen=True)
class LoadTiming:
    """A timing's median by the settings' percentage, with a floor of LOAD_FLOOR_SECONDS."""

    def allows(self, old: dict, new: dict, tolerance: Tolerance) -> bool:
        return Tolerance(max(tolerance.floor, LOAD_FLOOR_SECONDS), tolerance.fraction).allows(old["median"],
                                                                                              new["median"])

    def describe(self, tolerance: Tolerance) -> str:
        return f"beyond {Tolerance(max(tolerance.floor, LOAD_FLOOR_SECONDS), tolerance.fraction)}"


@dataclass(frozen=True)
class Ratio:
    """A count (bytes) within MEMORY_RATIO of the baseline's either way, or within MEMORY_FLOOR_BYTES of it."""

    def allows(self, old: dict, new: dict, tolerance: Tolerance) -> bool:
        before, after = old["max"], new["max"]
        return abs(after - before) <= MEMORY_FLOOR_BYTES or (
            before > 0 and before / MEMORY_RATIO <= after <= before * MEMORY_RATIO)

    def describe(self, tolerance: Tolerance) -> str:
        return f"beyond a ratio of {MEMORY_RATIO:g} or {MEMORY_FLOOR_BYTES} bytes"


@dataclass(frozen=True)
class NoneOrSome:
    """A count of events under load (SYNs sent again) compared as none against some: how many is scheduling."""

    def allows(self, old: dict, new: dict, tolerance: Tolerance) -> bool:
        return (old["max"] > 0) == (new["max"] > 0)

    def describe(self, tolerance: Tolerance) -> str:
        return "none against some"


UNDER_LOAD = {
    "connect_p50": LoadTiming(), "syn_retransmissions": NoneOrSome(), "idle_connection_memory": Ratio(),
    **{f"first_byte_c{concurrency}_{percentile}": LoadTiming() for concurrency in (1, 16, 64)
       for percentile in ("p50", "p99")},
}


@dataclass(frozen=True)
class Row:
    """One line of the table: a property's outcome or one of its figures, in the baseline and now."""

    prop: str
    figure: str
    baseline: str
    now: str
    verdict: str  # "same", "changed: why", or "not compared: why"

    @property
    def changed(self) -> bool:
        return self.verdict.startswith("changed")


@dataclass
class Comparison:
    rows: list[Row] = field(default_factory=list)
    verdict: Verdict = field(default_factory=Verdict)
    notes: list[str] = field(default_factory=list)  # what differs around the figures: settings, servers

    def table(self) -> str:
        """The rows as an aligned text table, a changed row marked "!!" as the ladder marks a failing frame."""
        header = Row("property", "figure", "baseline", "now", "verdict")
        lines = [(header.prop, header.figure, header.baseline, header.now, header.verdict)]
        lines += [(r.prop, r.figure, r.baseline, r.now, ("!! " if r.changed else "") + r.verdict) for r in self.rows]
        widths = [max(len(line[column]) for line in lines) for column in range(4)]
        text = ["  ".join(cell.ljust(width) for cell, width in zip(line[:4], widths, strict=True)) + "  " + line[4]
                for line in lines]
        return "\n".join(self.notes + text)


def baseline_tolerance(tolerance: Tolerance) -> Tolerance:
    """The settings' tolerance rule, its floor raised to BASELINE_FLOOR_SECONDS."""
    return Tolerance(max(tolerance.floor, BASELINE_FLOOR_SECONDS), tolerance.fraction)


def compare(baseline: dict, now: dict, tolerance: Tolerance) -> Comparison:
    """Every property and figure of two profiles, side by side; each change is a problem of the verdict."""
    comparison = Comparison()
    comparison.notes += _context(baseline, now)
    rule = baseline_tolerance(tolerance)
    before, after = baseline["properties"], now["properties"]
    for prop in [*before, *(key for key in after if key not in before)]:
        if prop not in after:
            comparison.rows.append(Row(prop, "outcome", before[prop]["outcome"], "not run", "not compared: not run"))
        elif prop not in before:
            comparison.rows.append(Row(prop, "outcome", "-", after[prop]["outcome"],
                                       "not compared: not in the baseline"))
        else:
            _compare_property(comparison, prop, before[prop], after[prop], rule)
    return comparison


def _context(baseline: dict, now: dict) -> list[str]:
    notes = [f"baseline of {baseline['date']}: {baseline['server']}", f"now: {now['server']}"]
    old, new = baseline["settings"], now["settings"]
    differing = [f"{name} {old.get(name)!r} -> {new.get(name)!r}" for name in sorted({*old, *new})
                 if old.get(name) != new.get(name)]
    if differing:
        notes.append("settings that differ (figures may differ for that reason): " + ", ".join(differing))
    return notes


def _compare_property(comparison: Comparison, prop: str, before: dict, after: dict, rule: Tolerance) -> None:
    if before["outcome"] == after["outcome"]:
        comparison.rows.append(Row(prop, "outcome", before["outcome"], after["outcome"], "same"))
    else:
        comparison.rows.append(Row(prop, "outcome", before["outcome"], after["outcome"], "changed"))
        comparison.verdict.problem("outcome-changed", f"{prop}: {before['outcome']} in the baseline, "
                                                      f"{after['outcome']} now")
    old, new = before["figures"], after["figures"]
    for name in [*old, *(name for name in new if name not in old)]:
        if name in NOT_COMPARED:
            comparison.rows.append(Row(prop, name, _shown(old.get(name)), _shown(new.get(name)),
                                       f"not compared: {NOT_COMPARED[name]}"))
        elif name not in old:
            comparison.rows.append(Row(prop, name, "-", _shown(new[name]), "not compared: not in the baseline"))
        elif name in UNDER_LOAD and old[name]["type"] != "category":
            comparison.rows.append(_compare_under_load(comparison.verdict, prop, name, old[name], new.get(name),
                                                       rule))
        else:
            comparison.rows.append(_compare_figure(comparison.verdict, prop, name, old[name], new.get(name), rule))


def _compare_figure(verdict: Verdict, prop: str, name: str, old: dict, new: dict | None, rule: Tolerance) -> Row:
    """The row of one figure; a change is a problem whose kind is the baseline figure's type."""
    row = Row(prop, name, _shown(old), _shown(new), "same")
    what = f"{prop}: {name} was {row.baseline} in the baseline, "
    if new is not None and new["type"] != old["type"]:
        new = None  # measured as another type: not the same figure any more
    if old["type"] == "timing":
        if new is None or not rule.allows(old["median"], new["median"]):
            why = f"beyond {rule} = {seconds(rule.of(old['median']))}"
            verdict.problem("timing-changed", f"{what}{row.now} now ({why})")
            return Row(prop, name, row.baseline, row.now, f"changed: {why}")
    elif old["type"] == "count":
        if new is None or (new["min"], new["max"]) != (old["min"], old["max"]):
            verdict.problem("count-changed", f"{what}{row.now} now")
            return Row(prop, name, row.baseline, row.now, "changed")
    elif new is None or new["values"] != old["values"]:
        verdict.problem("category-changed", f"{what}{row.now} now")
        return Row(prop, name, row.baseline, row.now, "changed")
    return row


def _compare_under_load(verdict: Verdict, prop: str, name: str, old: dict, new: dict | None,
                        tolerance: Tolerance) -> Row:
    """The row of a figure measured under load, by its rule in UNDER_LOAD."""
    row, rule = Row(prop, name, _shown(old), _shown(new), "same"), UNDER_LOAD[name]
    if new is not None and new["type"] == old["type"] and rule.allows(old, new, tolerance):
        return row
    why = rule.describe(tolerance)
    verdict.problem("timing-changed" if old["type"] == "timing" else "count-changed",
                    f"{prop}: {name} was {row.baseline} in the baseline, {row.now} now ({why})")
    return Row(prop, name, row.baseline, row.now, f"changed: {why}")


def _shown(figure: dict | None) -> str:
    """A summed-up figure for people: "0.200 s (max 0.210 s)", "4" or "3-5", "FIN, RST"."""
    if figure is None:
        return "not measured"
    if figure["type"] == "timing":
        return seconds(figure["median"]) + (f" (max {seconds(figure['max'])})" if figure["samples"] > 1 else "")
    if figure["type"] == "count":
        return str(figure["min"]) if figure["min"] == figure["max"] else f"{figure['min']}-{figure['max']}"
    return ", ".join(map(wording, figure["values"])) or "none"
