"""A child exits while the parent blocks in accept(): Python 3's socket.accept() carries on after the SIGCHLD
handler (PEP 475), the C library's accept() fails with EINTR and the server dies (the article's crash),
and retrying on EINTR (3f) keeps it serving.

The article ran Python 2, where the SIGCHLD handler interrupted accept() and the server
died with "[Errno 4] Interrupted system call". Python 3 installs its handlers without
SA_RESTART too, so the kernel still interrupts the call, but since PEP 475 (Python 3.5)
socket.accept() runs the handler and calls accept() again itself: 3e as the article
wrote it survives, which the first test proves. forking_libc_accept calls the C library's
accept() through ctypes, which has no such retry: the EINTR reaches the loop, the server
dies, and the capture shows it from outside, the next client refused (RST to its SYN).
forking_libc_accept_eintr adds the article's 3f fix, a retry on EINTR, and serves on.

Each test makes the child exit while the parent waits: the child answers, waits
CHILD_DELAY, then exits; meanwhile the process table shows the parent blocked in accept
(/proc/PID/syscall). The server's output tells what its handler did.
"""

import socket
from collections.abc import Callable

import pytest
from claim_helpers import note_process
from expectations import BODY, STATUS, TARGET

from wirecheck import checks
from wirecheck.checks import _several_connections as claims
from wirecheck.clients._requests import http_get, read_until_closed, request_bytes
from wirecheck.server._dialer import Dialer
from wirecheck.server._waiting import wait_until

# The child waits this long between its response and its exit: the parent has long been back in
# accept() by then (it returns there within a millisecond), so the SIGCHLD finds it there.
CHILD_DELAY = 0.2
# Bounds: on the child being reaped or the server dying after the SIGCHLD (milliseconds here).
SETTLE_SECONDS = 2.0
CLIENT_SECONDS = 5.0
INTERRUPTED = "InterruptedError: [Errno 4] Interrupted system call"
EXITED = "exited"
# What each variant waits in: Python's socket.accept() uses accept4(), ctypes calls libc's accept().
WAITS_IN = {"forking_single_wait": "accept4", "forking_libc_accept": "accept", "forking_libc_accept_eintr": "accept"}
ACCEPTS = set(WAITS_IN.values())


def waiting_in(session, settled: Callable[[], bool], timeout: float) -> str:
    """The system call the server waits in once `settled()` and it waits in accept() (or EXITED); whatever
    it is in when `timeout` runs out otherwise."""
    def in_accept() -> str:
        if not session.server.running():
            return EXITED
        done = settled()  # first: an accept() seen before the child was reaped says nothing about after
        found = session.server.view.blocked_in()
        return found if done and found in ACCEPTS else ""
    return wait_until(in_accept, timeout) or session.server.view.blocked_in()


def a_child_exits_during_accept(session) -> tuple[str, str]:
    """One client answered; its child exits while the parent waits in accept(). The system call the parent
    waited in while the child lived, and the one after the child was gone (or EXITED)."""
    with socket.create_connection(("127.0.0.1", session.port), timeout=CLIENT_SECONDS) as client:
        client.sendall(request_bytes(TARGET, "127.0.0.1", session.port))
        client.recv(65536)  # the response: the child is in its delay, the parent back in accept()
        before = waiting_in(session, lambda: True, CHILD_DELAY / 2)
        read_until_closed(client)  # the child's FIN: it exits right after
    # Until the handler has reaped the child and the parent waits again, or the server has died.
    return before, waiting_in(session, lambda: len(session.server.view.tree()) == 1, SETTLE_SECONDS)


def second_client(port: int) -> str:
    try:
        return "answered" if http_get(Dialer(port), TARGET, timeout=CLIENT_SECONDS).endswith(BODY) else "unanswered"
    except ConnectionRefusedError:
        return "refused"
    except ConnectionError:
        return "reset"


def child_exit_then_second_client(wire, variant: str) -> tuple:
    session = wire.serve(variant, delay=CHILD_DELAY)
    before, after = a_child_exits_during_accept(session)
    outcome = second_client(session.port)
    status = session.server.wait_exit(SETTLE_SECONDS) if outcome == "refused" else None
    found = wire.connections(2)
    note_process(wire, found[0].sent_by_server.last_data, f"the server waits in {before}() while this child lives")
    note_process(wire, found[1].syn, "after the child's exit the server "
                                      + ("has exited" if after == EXITED else f"waits in {after}() again"))
    return session, found, (before, after, outcome, status)


@pytest.mark.parametrize("variant", ["forking_single_wait", "forking_libc_accept_eintr"])
def test_child_exits_during_accept_then_the_handler_reaps_it_then_the_server_answers_the_next_client(wire, variant):
    session, found, (before, after, outcome, _) = child_exit_then_second_client(wire, variant)
    wire.expect(claims.served_then_refused(found, served=2))
    for connection in found:
        wire.expect(checks.http_exchange(connection, TARGET, STATUS, BODY))
    output = session.server.output()
    assert before == after == WAITS_IN[variant], (
        f"expected the server to wait in {WAITS_IN[variant]}() before and after its child exited, it waited in "
        f"{before}, then {after}")
    assert "terminated with status 0" in output, f"expected the SIGCHLD handler to reap the child, output:\n{output}"
    assert outcome == "answered" and session.server.running(), (
        f"expected the server to run on and answer the next client ({outcome}), output:\n{output}")
    if variant == "forking_libc_accept_eintr":
        assert "accept() interrupted by a signal (EINTR): accepting again" in output, (
            f"expected the 3f loop to report the EINTR it survived, output:\n{output}")


def test_child_exits_during_libc_accept_then_eintr_kills_the_server_then_the_next_client_is_refused(wire):
    session, found, (before, _, outcome, status) = child_exit_then_second_client(wire, "forking_libc_accept")
    wire.expect(claims.served_then_refused(found, served=1))
    wire.expect(checks.http_exchange(found[0], TARGET, STATUS, BODY))
    output = session.server.output()
    note_process(wire, found[1].sent_by_server.rst, f"the server exited with status {status}: {INTERRUPTED}")
    assert before == WAITS_IN["forking_libc_accept"], f"expected the server to wait in accept(), it was in {before}"
    assert status == 1 and INTERRUPTED in output, (
        f"expected the server to die of EINTR (status 1, {INTERRUPTED!r}); status {status}, output:\n{output}")
    assert outcome == "refused" and found[1].state == "REJ", (
        f"expected the next client refused (REJ), it was {outcome} ({found[1].state})")


@pytest.mark.parametrize("variant, served, kind", [
    ("forking_libc_accept", 2, "not-served"),
    ("forking_libc_accept_eintr", 1, "served-unexpectedly"),
], ids=["survival-claim-on-the-crashing-server", "crash-claim-on-the-retrying-server"])
def test_sigchld_claims_fail_on_the_other_accept(wire, variant, served, kind):
    _, found, _ = child_exit_then_second_client(wire, variant)
    problems = claims.served_then_refused(found, served).problems
    assert [(p.kind, p.connection) for p in problems] == [(kind, found[1])], problems
