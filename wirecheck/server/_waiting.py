"""Waiting on the process table and the kernel: the one polling loop the suite uses.

Whatever is waited for (a LISTEN socket, children that settle, a process that exits)
is read with a function and polled until it holds or a time bound passes; nothing
waits unbounded, and the caller decides what a timeout means.
"""

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
POLL_SECONDS = 0.01


def wait_until(read: Callable[[], T], timeout: float, poll: float = POLL_SECONDS) -> T:
    """The first truthy value `read` returns within `timeout` seconds, else its last (falsy) value."""
    deadline = time.monotonic() + timeout
    while True:
        value = read()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(poll)


def settle(read: Callable[[], T], quiet: float, timeout: float, done: Callable[[T], bool] = lambda value: True,
           poll: float = POLL_SECONDS) -> tuple[T, bool]:
    """The value `read` returns once it has stayed the same for `quiet` seconds while `done(value)` holds,
    and True; or, once `timeout` seconds have passed first, its last value and False."""
    deadline = time.monotonic() + timeout
    last, since = read(), time.monotonic()
    while True:
        now = time.monotonic()
        if done(last) and now - since >= quiet:
            return last, True
        if now > deadline:
            return last, False
        time.sleep(poll)
        value = read()
        if value != last:
            last, since = value, time.monotonic()
