"""The port a server under test gets: free, on loopback, below the ephemeral range, and reserved against every other
test process; "{port}" in its command line is replaced by it. How long the server may take to listen there."""

import random
import socket
from pathlib import Path

LISTEN_TIMEOUT_SECONDS = 10.0
PORT_PLACEHOLDER = "{port}"
EPHEMERAL_RANGE = "/proc/sys/net/ipv4/ip_local_port_range"
FIRST_SERVER_PORT = 10000  # below: well-known and registered services people run
PORT_TRIES = 100


def with_port(argv: list[str], port: int) -> list[str]:
    """`argv` with "{port}" replaced by `port`."""
    return [arg.replace(PORT_PLACEHOLDER, str(port)) for arg in argv]


def free_port() -> int:
    """A free loopback port below the ephemeral range, so that no client's source port (a burst
    opens hundreds) can take it between this choice and the server's bind; reserved for this process
    until release_port(), so that no other test process (an xdist worker, a nested run) picks it too.
    Free to a server that binds without SO_REUSEADDR too: a connection of an earlier server on the port, still in
    TIME_WAIT, would fail its bind (EADDRINUSE), and it would never listen."""
    low = int(Path(EPHEMERAL_RANGE).read_text().split()[0])
    for port in random.sample(range(FIRST_SERVER_PORT, low), k=min(PORT_TRIES, low - FIRST_SERVER_PORT)):
        if not _reserve(port):
            continue
        with socket.socket() as probe:  # no SO_REUSEADDR: the strictest bind a server may make
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                release_port(port)
                continue
            return port
    raise OSError(f"no free port in {FIRST_SERVER_PORT}-{low - 1}")


def _reserve(port: int) -> bool:
    """Hold a name in Linux's abstract socket namespace for `port`: one process at a time can, and the kernel
    lets go of it when the process ends, however it ends. No file is left anywhere."""
    lock = socket.socket(socket.AF_UNIX)
    try:
        lock.bind(f"\0wirecheck-port-{port}")
    except OSError:
        lock.close()
        return False
    _reserved[port] = lock
    return True


def release_port(port: int) -> None:
    lock = _reserved.pop(port, None)
    if lock is not None:
        lock.close()


_reserved: dict[int, socket.socket] = {}
