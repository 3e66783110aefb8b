"""A read-only view of a server's process tree and its sockets: what the claims and the contract ask.

Everything here reads the process table (psutil, /proc) and changes nothing: which
processes the server has, the zombies among them, their open descriptors, which of
them hold a given connection or a socket in CLOSE_WAIT, the system call the server
waits in, and the length of a listening socket's accept queue.
"""

import os
import platform
from pathlib import Path

import psutil

from wirecheck.server import _sock_diag as sock_diag

# Listening addresses that a client connecting to 127.0.0.1 reaches (the wildcards included).
REACHES_LOOPBACK = {"127.0.0.1", "0.0.0.0", "::", "::ffff:127.0.0.1"}
# The system calls a server waits in that the tests name, by machine (numbers from the kernel's syscall tables).
_SYSCALL_NAMES = {"x86_64": {43: "accept", 288: "accept4", 7: "poll", 61: "wait4", 230: "clock_nanosleep"},
                  "aarch64": {202: "accept", 242: "accept4", 73: "ppoll", 260: "wait4", 115: "clock_nanosleep"}}


class ProcessView:
    """The process tree under `pid` (a process group leader) as it is at each call."""

    def __init__(self, pid: int) -> None:
        self.pid = pid

    def tree(self) -> list[psutil.Process]:
        """The server and all its descendants that still exist (zombies included)."""
        try:
            root = psutil.Process(self.pid)
            return [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def adopted(self) -> list[psutil.Process]:
        """The server's descendants handed to this process (a subreaper) after their parent died.

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

    def zombies(self) -> list[psutil.Process]:
        """Descendants that have exited but were not reaped by their parent."""
        return [p for p in self.tree()[1:] if status(p) == psutil.STATUS_ZOMBIE]

    def demand_seconds(self) -> dict[int, float]:
        """The time each thread of the tree has spent running or waiting to run so far (the kernel's schedstat: on
        a CPU, and runnable on a run queue), by thread id: two readings apart give the tree's demand for a core
        between them (share_of_a_core). A loop that never blocks demands a whole core however busy the machine is,
        where the CPU it gets falls with the load (measured: waitress's EMFILE loop got 74 % of a core beside two
        busy loops, and demanded 100 %)."""
        demanded = {}
        for process in self.tree():
            for schedstat in Path(f"/proc/{process.pid}/task").glob("*/schedstat"):
                try:
                    running, waiting = schedstat.read_text().split()[:2]
                except (OSError, ValueError):
                    continue  # exited meanwhile
                demanded[int(schedstat.parent.name)] = (int(running) + int(waiting)) / 1e9
        return demanded

    def accepted_peers(self, server_port: int) -> set[int]:
        """The client ports of the connections on `server_port` that a process of the tree holds (has accepted and
        not closed); one still in the accept queue, or closed by the server, is held by none."""
        held = self._socket_inodes()
        return {s.peer_port for s in sock_diag.sockets(server_port, *sock_diag.CONNECTED) if s.inode in held}

    def children_states(self) -> dict[int, str | None]:
        """Each descendant's state (running, sleeping, zombie, ...), by pid."""
        return {p.pid: status(p) for p in self.tree()[1:]}

    def open_descriptors(self) -> int:
        """File descriptors open in the server's whole process tree (zombies hold none)."""
        total = 0
        for process in self.tree():
            try:
                total += process.num_fds()
            except psutil.Error:
                pass  # exited meanwhile, or a zombie
        return total

    def resident_bytes(self) -> int:
        """The resident memory of the server's whole tree (RSS summed: pages a fork shares count once per process,
        as they would once written to)."""
        total = 0
        for process in self.tree():
            try:
                total += process.memory_info().rss
            except psutil.Error:
                pass  # exited meanwhile, or a zombie
        return total

    def own_descriptors(self) -> int | None:
        """File descriptors open in the server's main process alone; None once it has exited."""
        try:
            return psutil.Process(self.pid).num_fds()
        except psutil.Error:
            return None

    def listens_on(self, port: int) -> bool:
        """Whether the tree has a LISTEN socket on `port` that a client of 127.0.0.1 reaches."""
        return any(address in REACHES_LOOPBACK for address in self.listening_addresses(port))

    def listening_addresses(self, port: int) -> list[str]:
        """The addresses the tree listens on at `port`, reachable from 127.0.0.1 or not ("::1", say): the kernel's
        listening sockets on the port whose inode one of the tree's descriptors links to."""
        held = self._socket_inodes()
        return sorted({listener.address for listener in sock_diag.listeners(port) if listener.inode in held})

    def holders(self, server_port: int, client_port: int) -> list[tuple[int, int]]:
        """(pid, descriptor) of every copy, in the tree, of its connection with `client_port`."""
        inodes = {s.inode for s in sock_diag.sockets(server_port, *sock_diag.CONNECTED) if s.peer_port == client_port}
        return sorted((pid, descriptor) for inode, pid, descriptor in self._socket_descriptors() if inode in inodes)

    def close_wait(self, server_port: int) -> list[int]:
        """The client ports of the tree's connections in CLOSE_WAIT: the client closed, the server did not."""
        stuck = sock_diag.sockets(server_port, sock_diag.TCP_CLOSE_WAIT)
        if not stuck:
            return []  # what a good server shows, and cheap: polled, the process table would cost milliseconds
        held = self._socket_inodes()  # not one waiting in the accept queue, which no process holds yet
        return sorted(s.peer_port for s in stuck if s.inode in held)

    def _socket_inodes(self) -> set[int]:
        return {inode for inode, _, _ in self._socket_descriptors()}

    def _socket_descriptors(self) -> list[tuple[int, int, int]]:
        """(inode, pid, descriptor) of every socket a process of the tree has open ("socket:[inode]" links)."""
        found = []
        for process in self.tree():
            directory = f"/proc/{process.pid}/fd"
            try:
                descriptors = os.listdir(directory)
            except OSError:
                continue  # exited meanwhile, or a zombie
            for descriptor in descriptors:
                try:
                    link = os.readlink(f"{directory}/{descriptor}")
                except OSError:
                    continue  # closed meanwhile
                if link.startswith("socket:["):
                    found.append((int(link[8:-1]), process.pid, int(descriptor)))
        return found

    def blocked_in(self) -> str:
        """The system call the server's main process is waiting in ("accept4"), from /proc/PID/syscall.

        "running" unless the process sleeps before and after the read: for a process that is
        preempted on its way out of a call (interrupted by a signal, say), /proc still names it.
        """
        try:
            asleep = status(psutil.Process(self.pid)) == psutil.STATUS_SLEEPING
            fields = Path(f"/proc/{self.pid}/syscall").read_text().split()
            asleep = asleep and status(psutil.Process(self.pid)) == psutil.STATUS_SLEEPING
        except (OSError, psutil.Error):
            return "nothing: the process is gone"
        if not asleep or not fields[0].isdigit():
            return "running"
        return _SYSCALL_NAMES.get(platform.machine(), {}).get(int(fields[0]), f"system call {fields[0]}")


def share_of_a_core(before: dict[int, float], after: dict[int, float], seconds: float) -> float:
    """The share of one core the tree demanded between two demand_seconds() readings `seconds` apart (1.0: a whole
    core); a thread born between them counts from zero, one that exited is left out."""
    return sum(used - before.get(tid, 0.0) for tid, used in after.items()) / seconds


def status(process: psutil.Process) -> str | None:
    try:
        return process.status()
    except psutil.Error:
        return None


def listeners(port: int) -> list[int]:
    """The pids of every process on the machine with a LISTEN socket on `port`, whoever started it."""
    return sorted({c.pid for c in psutil.net_connections(kind="tcp")
                   if c.status == psutil.CONN_LISTEN and c.laddr.port == port and c.pid is not None})


def accept_queue(port: int) -> int | None:
    """Connections waiting in the accept queue of the socket listening on `port` (None: nothing listens).

    For a listening socket the kernel counts (what `ss -lt` shows as Recv-Q) the established
    connections that no accept() has taken yet.
    """
    return next((listener.queue for listener in sock_diag.listeners(port)), None)


def listen_backlog(port: int) -> int | None:
    """The backlog of the socket listening on `port` as the kernel applies it (None: nothing listens). Linux's
    accept queue holds one connection more than this before it drops SYNs."""
    return next((listener.backlog for listener in sock_diag.listeners(port)), None)


def kernel_listeners(port: int) -> list[str]:
    """The addresses any process listens on at `port`, as the kernel tells (cheap enough to poll, unlike a
    process tree's sockets through psutil)."""
    return [listener.address for listener in sock_diag.listeners(port)]
