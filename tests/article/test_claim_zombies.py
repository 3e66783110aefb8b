"""After a burst of client3's clients a forking server leaves one zombie per connection without a reaper, some
with one os.wait() per SIGCHLD (3e), none with a waitpid loop (3g); SIGKILL does not remove a zombie, a wait or
its parent's exit does.

A child that has exited stays in the process table, in state Z with its exit status,
until its parent waits for it. The kernel sends the parent a SIGCHLD per exit, but does
not queue a signal that is already pending, and Python runs its handler once for all the
signals that arrived since it last looked: when children exit close together one call
stands for several exits, and a handler that waits for one child leaves the others.
waitpid(-1, WNOHANG) in a loop reaps every finished child, however many signals came. On
the wire the three servers look the same, every connection answered and ending SF: the
difference is only in the process table, where zombies are counted (children in state Z).

A zombie has already exited, so a signal cannot end it: SIGKILL leaves it in place. It
goes when its parent waits for it, or when its parent exits and the process that adopts
it waits for it. Orphans are handed to the nearest subreaper: here the test process
(PID 1 on this machine does not reap), which reaps them by pid when it ends the server.
"""

import os
import signal
import time

import psutil
import pytest
from claim_helpers import client3, closed_normally, note_process
from expectations import BODY, STATUS, TARGET

from wirecheck import checks
from wirecheck.checks import _process_table as process_claims
from wirecheck.render._ladder import ladder
from wirecheck.server._waiting import settle, wait_until

# client3 processes at once, one connection each. The claim asks for at least 50, but with 50 the one-wait
# handler once left none in 40 runs here; with 100 (and the values below) it left 6 to 37 in 190 runs,
# about 20 on average, never none: "some" holds without flakes.
BURST = 100
# Each child answers, waits this long, then exits: long enough for the burst's children to be alive
# together and exit close together, which is when signals coalesce.
CHILD_DELAY = 0.2
# A listen backlog that holds the whole burst, so that no SYN waits a second for its retransmission
# (the article's backlog of 5 would drop some: see test_claim_backlog.py).
BURST_BACKLOG = 128
# The children have settled when none runs and none has come or gone for this long: the handler has
# long run for every signal it will get (it takes microseconds).
SETTLE_QUIET_SECONDS = 0.1
SETTLE_SECONDS = 10.0  # a bound on the burst's children settling; they do within CHILD_DELAY and a little
REAP_SECONDS = 2.0  # a bound on the server's handler reaping one child after a SIGCHLD


# How many zombies each reaper leaves after the burst: one per connection, some but not all, none.
ZOMBIES_LEFT = {"forking": range(BURST, BURST + 1), "forking_single_wait": range(1, BURST),
                "forking_waitpid": range(0, 1)}


def burst_then_zombies(wire, variant: str) -> tuple:
    """A burst of BURST client3 clients against `variant`, every connection checked on the wire; the session
    and the zombies under the server once its children have settled."""
    session = wire.serve(variant, delay=CHILD_DELAY, backlog=BURST_BACKLOG)
    summary = client3(session.port, BURST)
    assert f"{BURST} answered" in summary, f"expected client3 to report {BURST} answered, it said: {summary}"
    states, settled = settle(session.server.view.children_states, SETTLE_QUIET_SECONDS, SETTLE_SECONDS,
                             done=lambda states: all(state == psutil.STATUS_ZOMBIE for state in states.values()))
    assert settled, f"expected the server's children to settle within {SETTLE_SECONDS:g} s: {states}"
    zombies = session.server.view.zombies()
    found = wire.connections(BURST)  # fails if the capture lost a frame
    for connection in found:
        wire.expect(checks.http_exchange(connection, TARGET, STATUS, BODY))
        assert closed_normally(connection), f"expected every connection closed by both, this one ended:\n" \
                                            f"{ladder(connection)}"
    return session, zombies


def zombie_claim(wire, zombies: list, expected: range):
    """The claim about the zombies left after the burst, anchored to the capture's last frame."""
    return process_claims.zombies(len(zombies), expected, f"after the burst of {BURST}", wire.observe().segments[-1])


@pytest.mark.parametrize("variant", ZOMBIES_LEFT)
def test_a_burst_of_clients_is_answered_then_the_server_leaves_zombies_as_its_reaper_allows(wire, variant):
    _, zombies = burst_then_zombies(wire, variant)
    wire.expect(zombie_claim(wire, zombies, ZOMBIES_LEFT[variant]))


def test_sigkill_leaves_zombies_then_one_wait_reaps_one_then_the_parents_exit_hands_the_rest_to_be_reaped(wire):
    session, zombies = burst_then_zombies(wire, "forking_single_wait")
    server, pids = session.server, {zombie.pid for zombie in zombies}
    assert len(pids) >= 2, f"expected at least two zombies to work with, found {len(pids)}"
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    time.sleep(SETTLE_QUIET_SECONDS)
    after_kill = {zombie.pid for zombie in server.view.zombies()}
    assert after_kill == pids, f"expected SIGKILL to leave all {len(pids)} zombies in place, {len(after_kill)} remain"

    os.kill(server.pid, signal.SIGCHLD)  # the server's handler runs os.wait() once
    wait_until(lambda: len(server.view.zombies()) != len(pids), REAP_SECONDS)
    left = {zombie.pid for zombie in server.view.zombies()}
    reaped = pids - left
    assert len(reaped) == 1 and left < pids, f"expected the handler's one wait to reap one zombie, it reaped {reaped}"
    reaped_pid, = reaped
    assert f"Child {reaped_pid} terminated with status 0" in server.output(), (
        f"expected the server to report child {reaped_pid} reaped with its own exit status 0 (the SIGKILL never "
        f"reached it), its output:\n{server.output()}")

    os.kill(server.pid, signal.SIGKILL)  # the parent dies; its zombies are handed to the subreaper, this process
    server.wait_exit(REAP_SECONDS)
    adopted = {process.pid: (process.ppid(), process.status()) for process in server.view.adopted()}
    expected = {pid: (os.getpid(), psutil.STATUS_ZOMBIE) for pid in left}
    assert adopted == expected, (f"expected the {len(left)} zombies left to be zombies of this process now, found "
                                 f"{adopted}")
    server.stop()  # what the fixture's teardown does: reap the adopted orphans, by pid
    remaining = [pid for pid in pids if psutil.pid_exists(pid)]
    note_process(wire, wire.observe().segments[-1], f"then SIGKILL to each of the {len(pids)} zombies: "
                 f"{len(after_kill)} remain; SIGCHLD to the server: its one os.wait() reaped {reaped_pid} (status 0); "
                 f"the server killed: {len(adopted)} zombies adopted by the test process, which reaped them: "
                 f"{len(remaining)} remain")
    assert not remaining, f"expected every zombie gone once reaped, {len(remaining)} remain: {remaining}"


@pytest.mark.parametrize("variant, claimed_for", [
    ("forking_waitpid", "forking"), ("forking", "forking_single_wait"), ("forking_single_wait", "forking_waitpid")])
def test_zombie_claims_fail_on_another_reaper(wire, variant, claimed_for):
    _, zombies = burst_then_zombies(wire, variant)
    expected = ZOMBIES_LEFT[claimed_for]
    kinds = zombie_claim(wire, zombies, expected).kinds
    assert kinds == ["zombie-children" if len(zombies) >= expected.stop else "fewer-zombies"], kinds
