"""Start a server in its own process group, know when it listens, end its whole tree.

Theory of operation. The server runs in a new session (its own process group), its
output going to a log file rather than a pipe that an orphaned child could hold
open. It is ready when the kernel's socket table shows it listening on its port:
no probe connection is put on the wire. Ending it: SIGTERM to the group and to every
descendant, a bounded wait, SIGKILL for what is left, then reap. This process makes
itself a child subreaper, so the server's orphaned children (zombies included)
are handed to us and reaped here, by pid, never with waitpid(-1) which would steal
the exit status of other subprocesses.
"""

import ctypes
import os
import platform
import resource
import signal
import subprocess
import time
from pathlib import Path

import psutil

from wirecheck.privileges import process_identity

PR_SET_CHILD_SUBREAPER = 36
READY_POLL_SECONDS = 0.01
TERMINATE_GRACE_SECONDS = 2.0
KILL_GRACE_SECONDS = 2.0
OUTPUT_TAIL_CHARACTERS = 4000
# Listening addresses that a client connecting to 127.0.0.1 reaches (the wildcards included).
REACHES_LOOPBACK = {"127.0.0.1", "0.0.0.0", "::", "::ffff:127.0.0.1"}
# The system calls a server waits in that the tests name, by machine (numbers from the kernel's syscall tables).
_SYSCALL_NAMES = {"x86_64": {43: "accept", 288: "accept4", 7: "poll", 61: "wait4", 230: "clock_nanosleep"},
                  "aarch64": {202: "accept", 242: "accept4", 73: "ppoll", 260: "wait4", 115: "clock_nanosleep"}}


class ServerFailed(Exception):
    """The server died or never listened; the message carries its output."""


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
        self.terminated_at: float | None = None  # wall clock, comparable with frame times
        self.exited_at: float | None = None

    @property
    def pid(self) -> int:
        assert self.popen is not None, "server not started"
        return self.popen.pid

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "wb") as log:
            try:
                self.popen = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=log,
                                              stderr=subprocess.STDOUT, cwd=self.cwd, start_new_session=True,
                                              preexec_fn=self._limit_open_files if self.open_files_limit else None,
                                              **process_identity(self.user))
            except OSError as error:
                raise ServerFailed(f"cannot start {' '.join(self.argv)}: {error}") from error

    def _limit_open_files(self) -> None:
        """Runs in the child between fork and exec: only setrlimit, nothing that takes a lock."""
        resource.setrlimit(resource.RLIMIT_NOFILE, (self.open_files_limit, self.open_files_limit))

    def wait_listening(self, port: int, timeout: float) -> None:
        """Return once the server's process tree has a LISTEN socket on `port`."""
        deadline = time.monotonic() + timeout
        while not self._listens_on(port):
            if self.popen.poll() is not None:
                raise ServerFailed(f"server exited with status {self.popen.returncode} before listening on "
                                   f"port {port}\n{self._output_section()}")
            if time.monotonic() > deadline:
                raise ServerFailed(f"server did not listen on 127.0.0.1:{port} within {timeout:g} s\n"
                                   f"{self._output_section()}")
            time.sleep(READY_POLL_SECONDS)

    def _listens_on(self, port: int) -> bool:
        for process in self.tree():
            try:
                sockets = process.net_connections(kind="tcp")
            except psutil.Error:
                continue
            if any(s.status == psutil.CONN_LISTEN and s.laddr.port == port and s.laddr.ip in REACHES_LOOPBACK
                   for s in sockets):
                return True
        return False

    def tree(self) -> list[psutil.Process]:
        """The server and all its descendants that still exist (zombies included)."""
        try:
            root = psutil.Process(self.pid)
            return [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def zombies(self) -> list[psutil.Process]:
        """Descendants that have exited but were not reaped by their parent."""
        return [p for p in self.tree()[1:] if _status(p) == psutil.STATUS_ZOMBIE]

    def open_descriptors(self) -> int:
        """File descriptors open in the server's whole process tree (zombies hold none)."""
        total = 0
        for process in self.tree():
            try:
                total += process.num_fds()
            except psutil.Error:
                pass  # exited meanwhile, or a zombie
        return total

    def own_descriptors(self) -> int | None:
        """File descriptors open in the server's main process alone; None once it has exited."""
        try:
            return None if self.popen.poll() is not None else psutil.Process(self.pid).num_fds()
        except psutil.Error:
            return None

    def holders(self, server_port: int, client_port: int) -> list[tuple[int, int]]:
        """(pid, descriptor) of every copy, in the server's tree, of its connection with `client_port`."""
        found = []
        for process in self.tree():
            try:
                sockets = process.net_connections(kind="tcp")
            except psutil.Error:
                continue  # exited meanwhile, or a zombie
            found += [(process.pid, s.fd) for s in sockets
                      if s.laddr.port == server_port and s.raddr and s.raddr.port == client_port]
        return found

    def blocked_in(self) -> str:
        """The system call the server's main process is waiting in ("accept4"), from /proc/PID/syscall.

        "running" unless the process sleeps before and after the read: for a process that is
        preempted on its way out of a call (interrupted by a signal, say), /proc still names it.
        """
        try:
            asleep = _status(psutil.Process(self.pid)) == psutil.STATUS_SLEEPING
            fields = Path(f"/proc/{self.pid}/syscall").read_text().split()
            asleep = asleep and _status(psutil.Process(self.pid)) == psutil.STATUS_SLEEPING
        except (OSError, psutil.Error):
            return "nothing: the process is gone"
        if not asleep or not fields[0].isdigit():
            return "running"
        return _SYSCALL_NAMES.get(platform.machine(), {}).get(int(fields[0]), f"system call {fields[0]}")

    def settled_zombies(self, quiet: float, timeout: float) -> list[psutil.Process]:
        """The zombies once no child runs any more and none has come or gone for `quiet` seconds."""
        deadline = time.monotonic() + timeout
        last, since = None, time.monotonic()
        while True:
            children = {p.pid: _status(p) for p in self.tree()[1:]}
            now = time.monotonic()
            if children != last:
                last, since = children, now
            elif all(status == psutil.STATUS_ZOMBIE for status in children.values()) and now - since >= quiet:
                return self.zombies()
            if now > deadline:
                running = sum(status != psutil.STATUS_ZOMBIE for status in children.values())
                raise ServerFailed(f"the server's children did not settle within {timeout:g} s: {running} still "
                                   f"running, {len(children) - running} zombies")
            time.sleep(READY_POLL_SECONDS)

    def wait_exit(self, timeout: float) -> int | None:
        """The server's exit status once it has exited, or None if it still runs after `timeout` seconds."""
        try:
            return self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def adopted(self) -> list[psutil.Process]:
        """The server's descendants handed to this process (the subreaper) after their parent died.

        They have left the server's tree; they are known by its process group, which they keep.
        """
        found = []
        for child in psutil.Process().children():
            try:
                if child.pid != self.pid and os.getpgid(child.pid) == self.pid:
                    found.append(child)
            except (OSError, psutil.Error):
                continue  # gone meanwhile
        return found

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
        tree = self.tree() + self.adopted()  # adopted: orphans of a server part that died before
        self.terminated_at = time.time()
        self._signal_all(tree, signal.SIGTERM)
        alive = self._reap_until_gone(tree, TERMINATE_GRACE_SECONDS)
        if alive:
            self._signal_all(alive, signal.SIGKILL)
            alive = self._reap_until_gone(alive, KILL_GRACE_SECONDS)
        self.exited_at = time.time()
        if alive:
            raise ServerFailed(f"processes survived SIGKILL: {[p.pid for p in alive]}")

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
        deadline = time.monotonic() + timeout
        while True:
            alive = [p for p in processes if not self._gone(p)]
            if not alive or time.monotonic() > deadline:
                return alive
            time.sleep(READY_POLL_SECONDS)


    def _gone(self, process: psutil.Process) -> bool:
        if process.pid == self.pid:
            return self.popen.poll() is not None  # Popen reaps its own child and keeps the status
        return _reaped(process)


def _reaped(process: psutil.Process) -> bool:
    """Whether `process` is gone; reaps it first if it is our (adopted) zombie."""
    try:
        os.waitpid(process.pid, os.WNOHANG)
    except ChildProcessError:
        pass  # not our child: its own parent reaps it, or it is gone
    try:
        return not process.is_running()
    except psutil.Error:
        return True


def _status(process: psutil.Process) -> str | None:
    try:
        return process.status()
    except psutil.Error:
        return None


def accept_queue(port: int) -> int | None:
    """Connections waiting in the accept queue of the socket listening on `port` (None: nothing listens).

    The kernel's socket table (/proc/net/tcp, what `ss -lt` shows as Recv-Q) counts, for a
    listening socket, the established connections that no accept() has taken yet.
    """
    listen_state = "0A"
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as rows:
            for row in list(rows)[1:]:
                fields = row.split()
                local_port, state, queues = int(fields[1].rsplit(":", 1)[1], 16), fields[3], fields[4]
                if local_port == port and state == listen_state:
                    return int(queues.split(":")[1], 16)
    return None
