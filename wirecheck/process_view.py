"""A read-only view of a server's process tree and its sockets: what the claims and the contract ask.

Everything here reads the process table (psutil, /proc) and changes nothing: which
processes the server has, the zombies among them, their open descriptors, which of
them hold a given connection or a socket in CLOSE_WAIT, the system call the server
waits in, and the length of a listening socket's accept queue.
"""

import ipaddress
import os
import platform
import sys
from pathlib import Path

import psutil

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

    def own_descriptors(self) -> int | None:
        """File descriptors open in the server's main process alone; None once it has exited."""
        try:
            return psutil.Process(self.pid).num_fds()
        except psutil.Error:
            return None

    def sockets(self) -> list[tuple[int, "psutil._common.pconn"]]:
        """(pid, socket) for every TCP socket of the tree."""
        found = []
        for process in self.tree():
            try:
                found += [(process.pid, s) for s in process.net_connections(kind="tcp")]
            except psutil.Error:
                continue  # exited meanwhile, or a zombie
        return found

    def listens_on(self, port: int) -> bool:
        """Whether the tree has a LISTEN socket on `port` that a client of 127.0.0.1 reaches."""
        return any(s.status == psutil.CONN_LISTEN and s.laddr.port == port and s.laddr.ip in REACHES_LOOPBACK
                   for _, s in self.sockets())

    def listening_addresses(self, port: int) -> list[str]:
        """The addresses the tree listens on at `port`, reachable from 127.0.0.1 or not ("::1", say)."""
        return sorted({s.laddr.ip for _, s in self.sockets()
                       if s.status == psutil.CONN_LISTEN and s.laddr.port == port})

    def holders(self, server_port: int, client_port: int) -> list[tuple[int, int]]:
        """(pid, descriptor) of every copy, in the tree, of its connection with `client_port`."""
        return [(pid, s.fd) for pid, s in self.sockets()
                if s.laddr.port == server_port and s.raddr and s.raddr.port == client_port]

    def close_wait(self, server_port: int) -> list[int]:
        """The client ports of the tree's connections in CLOSE_WAIT: the client closed, the server did not."""
        return [s.raddr.port for _, s in self.sockets()
                if s.status == psutil.CONN_CLOSE_WAIT and s.laddr.port == server_port and s.raddr]

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

    The kernel's socket table (/proc/net/tcp, what `ss -lt` shows as Recv-Q) counts, for a
    listening socket, the established connections that no accept() has taken yet.
    """
    return next((queued for _, queued in _listening(port)), None)


def kernel_listeners(port: int) -> list[str]:
    """The addresses any process listens on at `port`, from the kernel's socket table: one read of a small
    file, cheap enough to poll (a process tree's sockets through psutil cost milliseconds a look)."""
    return [address for address, _ in _listening(port)]


def _listening(port: int) -> list[tuple[str, int]]:
    """(address, accept queue length) of each LISTEN socket on `port`, in /proc/net/tcp and tcp6."""
    listen_state = "0A"
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as rows:
            for row in list(rows)[1:]:
                fields = row.split()
                address, local_port = fields[1].rsplit(":", 1)
                if int(local_port, 16) == port and fields[3] == listen_state:
                    found.append((_address(address), int(fields[4].split(":")[1], 16)))
    return found


def _address(hexadecimal: str) -> str:
    """An address as /proc/net/tcp writes it (32-bit words in host order) in the usual notation."""
    packed = b"".join(int(hexadecimal[i:i + 8], 16).to_bytes(4, sys.byteorder) for i in range(0, len(hexadecimal), 8))
    return str(ipaddress.ip_address(packed))
