"""What the tests of the article's claims (test_claim_*.py) share: the client3 port, verdicts about
several connections, and process-table facts written into the capture beside the packets."""

import subprocess
import sys

from wirecheck.flows import Connection
from wirecheck.frames import Segment
from wirecheck.registry import client3_path
from wirecheck.verdicts import Verdict

CLIENT3_SECONDS = 30  # a bound for one client3 run, far above the second or so a burst takes here


def client3(port: int, clients: int, *options: str) -> str:
    """Run the port of the article's client3 against `port` with `clients` processes; return its summary line."""
    done = subprocess.run([sys.executable, str(client3_path()), "--port", str(port), "--max-clients", str(clients),
                           *options], capture_output=True, text=True, timeout=CLIENT3_SECONDS)
    return (done.stdout + done.stderr).strip()


def expect_across(wire, verdict: Verdict, connections: list[Connection]) -> None:
    """wire.expect() for a verdict about several connections: the ladder drawn is that of the connection
    holding the first problem's frame (every note goes into the capture either way)."""
    __tracebackhide__ = True
    blamed = verdict.problems[0].segment if verdict.problems else None
    shown = next((c for c in connections if any(s is blamed for s in c.segments)), connections[0])
    wire.expect(verdict, shown)


def note_process(wire, segment: Segment | None, text: str) -> None:
    """Write what the process table showed at this point of the conversation as a comment on `segment`."""
    if segment is not None:
        wire.session.note(segment, f"process table: {text}")


def broken_server(name: str, *options: str) -> list[str]:
    """The command line of a deliberately broken server of tests/broken/ ("{port}" is the session's)."""
    return [sys.executable, "-m", f"tests.broken.{name}", "--port", "{port}", *options]
