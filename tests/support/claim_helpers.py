"""What the tests of the article's claims (tests/article/) and of the checks (tests/contract/) share: the client3
port, two overlapping clients, process-table facts written into the capture beside the packets, and the command
line of a deliberately broken server, HTTPS ones served with a certificate."""

import socket
import subprocess
import sys

from expectations import ITERATIVE_DELAY

from wirecheck.article._registry import client3_path
from wirecheck.clients._requests import read_until_closed, request_bytes
from wirecheck.model._flows import Connection
from wirecheck.model._frames import Segment
from wirecheck.server._session import REPO_ROOT

# How a client that waited behind held connections fails no-waiting: answered just after the limit, or not at all,
# depending on when the held connections close.
WAITED = {"no-response", "late-response"}
CLIENT3_SECONDS = 30  # a bound for one client3 run, far above the second or so a burst takes here
READ_TIMEOUT_SECONDS = ITERATIVE_DELAY + 5  # the second of two overlapping clients waits out the first one's delay


def client3(port: int, clients: int, *options: str) -> str:
    """Run the port of the article's client3 against `port` with `clients` processes; return its summary line."""
    done = subprocess.run([sys.executable, str(client3_path()), "--port", str(port), "--max-clients", str(clients),
                           *options], capture_output=True, text=True, timeout=CLIENT3_SECONDS)
    return (done.stdout + done.stderr).strip()


def two_overlapping_clients(port: int) -> None:
    """The first client gets its response; while the server sits in its delay, a second one asks."""
    with socket.create_connection(("127.0.0.1", port), timeout=READ_TIMEOUT_SECONDS) as first:
        first.sendall(request_bytes("/hello", "127.0.0.1", port))
        first.recv(1)  # the response has started: the server is now in its delay
        with socket.create_connection(("127.0.0.1", port), timeout=READ_TIMEOUT_SECONDS) as second:
            second.sendall(request_bytes("/hello", "127.0.0.1", port))
            read_until_closed(second)
        read_until_closed(first)


def closed_normally(connection: Connection) -> bool:
    """Both sides sent FIN and the server never reset: Zeek's SF, or RSTO when the client reset only after both
    FINs. That last happens on a busy machine: the client's ACK of the server's FIN, sent late, reaches the server
    in TIME_WAIT after the client's own FIN; the server ACKs again, and the client, closed by then, answers RST
    (seen once in 20 runs with six workers on two cores). The server did nothing wrong."""
    client, server = connection.sent_by_client, connection.sent_by_server
    if connection.state == "SF":
        return True
    return (client.fin is not None and server.fin is not None and server.rst is None and client.rst is not None
            and client.rst.index > max(client.fin.index, server.fin.index))


def note_process(wire, segment: Segment | None, text: str) -> None:
    """Write what the process table showed at this point of the conversation as a comment on `segment`."""
    if segment is not None:
        wire.session.note(segment, f"process table: {text}")


def broken_server(name: str, *options: str) -> list[str]:
    """The command line of a deliberately broken server of tests/broken/ ("{port}" is the session's). It finds its
    package through PYTHONPATH, wherever it runs (by default where pytest was started)."""
    return ["env", f"PYTHONPATH={REPO_ROOT}", sys.executable, "-m", f"tests.broken.{name}", "--port", "{port}",
            *options]


def serve_https(wire, tls_files, server: str, *options: str) -> None:
    """Serve the HTTPS server `server` of tests/broken/ with the certificate and key of `tls_files`."""
    wire.serve_command(broken_server(server, "--cert", "{cert}", "--key", "{key}", *options), tls=tls_files)
