"""What the tests of the article's claims (test_claim_*.py) share: the client3 port, process-table facts
written into the capture beside the packets, and the command line of a deliberately broken server."""

import subprocess
import sys

from wirecheck.article._registry import client3_path
from wirecheck.model._flows import Connection
from wirecheck.model._frames import Segment
from wirecheck.server._session import REPO_ROOT

CLIENT3_SECONDS = 30  # a bound for one client3 run, far above the second or so a burst takes here


def client3(port: int, clients: int, *options: str) -> str:
    """Run the port of the article's client3 against `port` with `clients` processes; return its summary line."""
    done = subprocess.run([sys.executable, str(client3_path()), "--port", str(port), "--max-clients", str(clients),
                           *options], capture_output=True, text=True, timeout=CLIENT3_SECONDS)
    return (done.stdout + done.stderr).strip()


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
