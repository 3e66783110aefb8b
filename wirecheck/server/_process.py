"""Start a server in its own process group, know when it listens, end its whole tree.

Theory of operation. The server runs in a new session (its own process group), its
output going to a log file rather than a pipe that an orphaned child could hold
open; run as another user, it gets a scratch HOME of its own (root's is out of its
reach, and a server that writes there must not fail for that). It is ready when
the kernel's socket table shows it listening on its port: no probe connection
is put on the wire. Ending it: SIGTERM to the group and to every descendant, a
bounded wait, SIGKILL for what is left, then reap. This process makes itself a
child subreaper, so the server's orphaned children (zombies included)
are handed to us and reaped here, by pid, never with waitpid(-1) which would steal
the exit status of other subprocesses. A server that goes to the background (a daemon:
it forks, starts a session of its own, and its first process exits) leaves the tree;
its listener is found by port, reported, and ended: when the first process exits before
listening, and, for a daemon that took over a socket its first process was seen listening
on (nginx's order), when the server is stopped. A listener there that is not provably the
server's (wirecheck.server._strays) is left running and reported.
"""

import ctypes
import os
import pwd
import resource
import shutil
import signal
import subprocess
import tempfile
import time
import warnings
from pathlib import Path

import psutil

from wirecheck._option_names import flag
from wirecheck.server._privileges import CANNOT_EXECUTE, NOT_FOUND, as_user
from wirecheck.server._process_view import ProcessView, kernel_listeners
from wirecheck.server._strays import KILL_GRACE_SECONDS, TERMINATE_GRACE_SECONDS, Origin, end, listeners_on, reaped
from wirecheck.server._waiting import wait_until

PR_SET_CHILD_SUBREAPER = 36
OUTPUT_TAIL_CHARACTERS = 4000
# A daemon's first process may exit a moment before the daemon it forked listens (nginx, apache).
DAEMON_LISTEN_SECONDS = 2.0
# A server that listens on an address the gate cannot reach (::1) may add 127.0.0.1 a moment later.
OTHER_ADDRESS_GRACE_SECONDS = 1.0
# The server is scheduled ahead of the suite's own work (xdist workers, tshark, nested runs, the browser): the
# timings the tests measure are the server's, not the load the suite puts on the cores (with six workers on two
# cores, a response due 0.150 s after the last once came 0.169 s after it, past the 12.5 % tolerance).
SERVER_NICENESS = -10
FOREGROUND_HINT = "run it in the foreground (nginx `daemon off`, apache `-DFOREGROUND`, lighttpd `-D`)"


class ServerFailed(Exception):
    """The server died or never listened; the message carries its output."""


class ForeignListenerWarning(UserWarning):
    """A process that is not provably the server's listens on its port: it was left running."""


def become_subreaper() -> None:
    """Adopt orphaned descendants, so that their zombies are ours to reap."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER) failed")


class ServerProcess:
    """One server command, from start to a reaped end."""

    def __init__(self, argv: list[str], log_path: Path, cwd: Path | None = None,
                 open_files_limit: int | None = None, user: str | None = None) -> None:
        self.argv = argv
        self.user = user  # run as this user (None: as ourselves)
        self.log_path = log_path
        self.cwd = cwd
        self.open_files_limit = open_files_limit  # RLIMIT_NOFILE for the server (and its children) only
        self.popen: subprocess.Popen | None = None
        self.origin: Origin | None = None  # what proves a listener on its port the server's (wirecheck.server._strays)
        self.home: str | None = None  # the scratch HOME of a server run as another user
        self.port: int | None = None  # where it listens, once wait_listening has seen it there
        self.terminated_at: float | None = None  # wall clock, comparable with frame times
        self.exited_at: float | None = None

    @property
    def pid(self) -> int:
        assert self.popen is not None, "server not started"
        return self.popen.pid

    def start(self) -> None:
        become_subreaper()  # the server's orphans are handed to us: reaped here, and known as the server's
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "wb") as log:
            try:
                argv, identity = as_user(self.argv, self.user)
                self.popen = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log,
                                              stderr=subprocess.STDOUT, cwd=self.cwd, start_new_session=True,
                                              preexec_fn=self._limit_open_files if self.open_files_limit else None,
                                              env=self._environment(), **identity)
            except PermissionError as error:
                self._remove_home()
                raise self._not_executable(error.filename, error.strerror) from error
            except OSError as error:
                self._remove_home()
                raise self._cannot_start(str(error)) from error
        self.origin = Origin.of(self.popen.pid, self.user)  # readable until reaped, even if it exited at once
        self._schedule_ahead()

    def _cannot_start(self, why: str) -> ServerFailed:
        return ServerFailed(f"cannot start {' '.join(self.argv)}: {why}")

    def _not_executable(self, file: str, why: str) -> ServerFailed:
        who = f"the user {self.user}" if self.user else "this user"
        return self._cannot_start(f"{who} may not execute {file} ({why}); put the server where {who} can read and "
                                  f"run it, or give {flag('server_user')} root")

    def _schedule_ahead(self) -> None:
        """SERVER_NICENESS for the server's process group (its children inherit it) and for its session's
        autogroup, where the kernel groups tasks by session: then a task's own nice counts only inside its group,
        and the server, a session of its own, is put ahead by its group's. Needs CAP_SYS_NICE (root has it, but
        in a container started without it); without it the server shares the cores on equal terms."""
        try:
            os.setpriority(os.PRIO_PGRP, self.popen.pid, SERVER_NICENESS)
        except (PermissionError, ProcessLookupError):  # no CAP_SYS_NICE, or it exited at once (wait_listening says)
            return
        try:
            Path(f"/proc/{self.popen.pid}/autogroup").write_text(str(SERVER_NICENESS))
        except OSError:
            pass  # no autogroups here, or (without CAP_SYS_ADMIN) another was set within the last 100 ms

    def _environment(self) -> dict[str, str] | None:
        """Our environment with a scratch HOME owned by the server's user, when it runs as another user."""
        if self.user is None:
            return None
        account = pwd.getpwnam(self.user)
        self.home = tempfile.mkdtemp(prefix="wirecheck-home-")
        os.chown(self.home, account.pw_uid, account.pw_gid)
        return {**os.environ, "HOME": self.home}

    def _remove_home(self) -> None:
        if self.home is not None:
            shutil.rmtree(self.home, ignore_errors=True)
            self.home = None

    def _limit_open_files(self) -> None:
        """Runs in the child between fork and exec: only setrlimit, nothing that takes a lock."""
        resource.setrlimit(resource.RLIMIT_NOFILE, (self.open_files_limit, self.open_files_limit))

    @property
    def view(self) -> ProcessView:
        """The server's process tree and sockets, read-only."""
        return ProcessView(self.pid)

    def wait_listening(self, port: int, timeout: float) -> None:
        """Return once the server's process tree has a LISTEN socket on `port` that 127.0.0.1 reaches; else say
        why not: it exited, went to the background (that daemon is ended), or listens on another address."""
        # Polled on the kernel's table, cheap; whose socket it is, is asked of the process tree once it is there.
        if not wait_until(lambda: kernel_listeners(port) or self.popen.poll() is not None, timeout):
            raise ServerFailed(f"server did not listen on 127.0.0.1:{port} within {timeout:g} s\n"
                               f"{self._output_section()}")
        if self.popen.poll() is not None:
            self._fail_if_not_executed()
            foreign = self._fail_if_daemonized(port)
            raise ServerFailed(f"server exited with status {self.popen.returncode} before listening on "
                               f"port {port}{_left_alone(foreign)}\n{self._output_section()}")
        if not wait_until(lambda: self.view.listens_on(port), OTHER_ADDRESS_GRACE_SECONDS):
            if self.popen.poll() is not None:  # it handed its socket to a daemon and exited meanwhile
                self._fail_if_daemonized(port)
            addresses = ", ".join(self.view.listening_addresses(port))
            if not addresses:
                raise ServerFailed(f"another process listens on port {port}, not the server's\n"
                                   f"{self._output_section()}")
            raise ServerFailed(f"server listens on port {port} only at {addresses}, which 127.0.0.1 does not reach: "
                               "bind it to 127.0.0.1 (or a wildcard, 0.0.0.0 or ::)\n"
                               f"{self._output_section()}")
        self.port = port

    def _fail_if_not_executed(self) -> None:
        """Run as another user, the command is executed by a helper (privileges.as_user) that exits as a shell does
        when it cannot: the same errors as when Popen cannot execute the command itself."""
        if self.user is None or self.popen.returncode not in (CANNOT_EXECUTE, NOT_FOUND):
            return
        said = (self.output().strip().splitlines() or ["no output"])[-1].rsplit(": ", 1)[-1]  # "env: 'x': reason"
        if self.popen.returncode == CANNOT_EXECUTE:
            raise self._not_executable(self.argv[0], said)
        raise self._cannot_start(f"{self.argv[0]}: {said}")

    def _fail_if_daemonized(self, port: int) -> list[str]:
        """The started process exited: if a process of the server's now listens on `port`, the server went to the
        background; end that daemon (it is not ours to leave running) and say so. Return the other listeners."""
        # Polled on the kernel's table; whose socket it is (every process's descriptors) is read once it is there.
        if not wait_until(lambda: kernel_listeners(port), DAEMON_LISTEN_SECONDS):
            return []
        return self._end_daemons(port, f"its first process exited with status {self.popen.returncode}")

    def _end_daemons(self, port: int, how: str) -> list[str]:
        """End the server's daemons listening on `port` and raise ServerFailed to say so; return the listeners
        there that are not provably the server's, left running."""
        found = listeners_on(port, self.origin)
        if found.servers:
            end(found.servers)
            raise ServerFailed(f"the server went to the background: {how}, and process "
                               f"{', '.join(map(str, found.servers))} listens on port {port}; {FOREGROUND_HINT}. "
                               f"That process was ended.{_left_alone(found.foreign)}\n{self._output_section()}")
        return found.foreign

    def signal(self, signum: int) -> float:
        """Send `signum` to the server's process group (as a terminal's Ctrl-C and systemd do); return when
        (wall clock, comparable with frame times)."""
        sent_at = time.time()
        try:
            os.killpg(self.pid, signum)
        except ProcessLookupError:
            pass
        return sent_at

    def wait_tree_exit(self, timeout: float) -> list[psutil.Process]:
        """Wait up to `timeout` seconds for the server's whole tree (adopted orphans included) to exit, reaping
        it; return the processes still running then (none: the server is over, and stop() has nothing to do)."""
        tree = self.view.tree() + self.view.adopted()
        alive = self._reap_until_gone(tree, timeout)
        alive += [p for p in self.view.adopted() if p not in alive and not reaped(p)]  # orphaned meanwhile
        if not alive:
            self.exited_at = time.time()
            self._remove_home()
        return alive

    def wait_exit(self, timeout: float) -> int | None:
        """The server's exit status once it has exited, or None if it still runs after `timeout` seconds."""
        try:
            return self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def output(self) -> str:
        """The server's output so far (its tail, if long)."""
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""
        return text if len(text) <= OUTPUT_TAIL_CHARACTERS else "...\n" + text[-OUTPUT_TAIL_CHARACTERS:]

    def _output_section(self) -> str:
        return f"--- server output ---\n{self.output().rstrip() or '(none)'}"

    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def stop(self) -> None:
        """End the whole tree (SIGTERM, bounded wait, SIGKILL) and reap every process of it."""
        if self.popen is None or self.exited_at is not None:
            return
        tree = self.view.tree() + self.view.adopted()  # adopted: orphans of a server part that died before
        self.terminated_at = time.time()
        self._signal_all(tree, signal.SIGTERM)
        alive = self._reap_until_gone(tree, TERMINATE_GRACE_SECONDS)
        if alive:
            self._signal_all(alive, signal.SIGKILL)
            alive = self._reap_until_gone(alive, KILL_GRACE_SECONDS)
        self.exited_at = time.time()
        self._remove_home()
        if alive:
            raise ServerFailed(f"processes survived SIGKILL: {[p.pid for p in alive]}")
        # A listener there now may be a daemon it forked, in a session of its own (out of its process group), and
        # handed its socket to once its first process had been seen listening (nginx); or someone else's.
        if self.port is not None and kernel_listeners(self.port):
            foreign = self._end_daemons(self.port, "its process tree was ended")
            if foreign:
                warnings.warn(ForeignListenerWarning(f"port {self.port}{_left_alone(foreign)}"), stacklevel=2)

    def _signal_all(self, processes: list[psutil.Process], signum: int) -> None:
        try:
            os.killpg(self.pid, signum)
        except (ProcessLookupError, PermissionError):
            pass
        for process in processes:
            try:
                process.send_signal(signum)
            except psutil.Error:
                pass

    def _reap_until_gone(self, processes: list[psutil.Process], timeout: float) -> list[psutil.Process]:
        """Reap the server and the orphans handed to us until none is left or `timeout` passes."""
        wait_until(lambda: not [p for p in processes if not self._gone(p)], timeout)
        return [p for p in processes if not self._gone(p)]

    def _gone(self, process: psutil.Process) -> bool:
        if process.pid == self.pid:
            return self.popen.poll() is not None  # Popen reaps its own child and keeps the status
        return reaped(process)


def _left_alone(foreign: list[str]) -> str:
    """What a message says of the listeners that are not provably the server's."""
    return "".join(f"; {description}, and was left running" for description in foreign)
