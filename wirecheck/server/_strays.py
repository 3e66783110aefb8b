"""Who listens on a server's port besides the server's own tree: a daemon it left, or someone else's process.

The port was free when the server got it and is reserved against other test processes (server._ports.free_port),
but any program on the machine may bind it too, and as root we could end any of them. So a listener is taken
for the server's only when that is proven: it runs as the server's user, started no earlier than the server,
and is in the server's session or process tree, or descends from an orphan handed to this process (a child
subreaper) that started after the server in a session other than ours, as a daemon the server forked does (our
own children share our session). Only those are ended (as a tree: SIGTERM, a bounded wait, SIGKILL); anyone
else's is described, for the caller to report, and left alone.
"""

import os
import pwd
import signal
from dataclasses import dataclass
from itertools import pairwise

import psutil

from wirecheck.server._process_view import listeners
from wirecheck.server._waiting import wait_until

TERMINATE_GRACE_SECONDS = 2.0
KILL_GRACE_SECONDS = 2.0


@dataclass(frozen=True)
class Origin:
    """What proves a process the server's: the server's pid (it leads its own session), the uid it runs as, and
    when it started, as the kernel counts it (psutil's create_time, comparable with any other process's)."""

    pid: int
    uid: int
    started: float

    @classmethod
    def of(cls, pid: int, user: str | None) -> "Origin":
        uid = pwd.getpwnam(user).pw_uid if user is not None else os.getuid()
        return cls(pid, uid, psutil.Process(pid).create_time())


@dataclass(frozen=True)
class Listeners:
    """The processes that listen on a port: the server's (pids), and a description of each other one."""

    servers: list[int]
    foreign: list[str]


def listeners_on(port: int, origin: Origin) -> Listeners:
    servers, foreign = [], []
    for pid in listeners(port):
        try:
            process = psutil.Process(pid)
            why_not = _why_not_the_servers(process, origin)
            if why_not is None:
                servers.append(pid)
            else:
                foreign.append(f"process {pid} ({process.name()}, user {process.username()}) is not the server's: "
                               f"{why_not}")
        except (psutil.Error, OSError):
            continue  # gone meanwhile: nothing to end or to report
    return Listeners(servers, foreign)


def _why_not_the_servers(process: psutil.Process, origin: Origin) -> str | None:
    """None if `process` is provably the server's; else the first fact that says otherwise."""
    if process.uids().real != origin.uid:
        return f"it runs as uid {process.uids().real}, the server as uid {origin.uid}"
    if process.create_time() < origin.started:
        return "it started before the server"
    lineage = [process, *process.parents()]  # up to init
    if os.getsid(process.pid) == origin.pid or any(p.pid == origin.pid for p in lineage):
        return None
    orphan = next((child for child, parent in pairwise(lineage) if parent.pid == os.getpid()), None)
    if orphan is not None and orphan.create_time() >= origin.started and os.getsid(orphan.pid) != os.getsid(0):
        return None  # an orphan of the server's handed to us, or its descendant
    return "it is outside the server's session and process tree"


def end(pids: list[int]) -> None:
    """End the processes `pids` with their children: SIGTERM, a bounded wait, SIGKILL; those handed to us (we are
    a subreaper) are reaped."""
    strays = []
    for pid in pids:
        try:
            root = psutil.Process(pid)
            strays += [root, *root.children(recursive=True)]
        except psutil.Error:
            continue
    for signum, grace in ((signal.SIGTERM, TERMINATE_GRACE_SECONDS), (signal.SIGKILL, KILL_GRACE_SECONDS)):
        for process in strays:
            try:
                process.send_signal(signum)
            except psutil.Error:
                pass
        if wait_until(lambda: all(reaped(p) for p in strays), grace):
            return


def reaped(process: psutil.Process) -> bool:
    """Whether `process` is gone; reaps it first if it is our (adopted) zombie."""
    try:
        os.waitpid(process.pid, os.WNOHANG)
    except ChildProcessError:
        pass  # not our child: its own parent reaps it, or it is gone
    try:
        return not process.is_running()
    except psutil.Error:
        return True
