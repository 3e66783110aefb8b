"""The article's servers, one record each: everything the suite knows about them, in one place.

The tests' parametrization, `bin/verify`'s table and the README's server table come from
`SERVERS` (tests/unit/test_registry.py fails when the README disagrees). Each server is one
complete file run by its path, `python <file> --port N`: server/ in a clone, the package
`wirecheck.article_servers` once installed (in the clone a symbolic link to server/, so that
the same lookup through importlib.resources works from the clone, an editable install and a
real one, and an installed wirecheck claims no top-level name but its own).
"""

from dataclasses import dataclass
from enum import Enum
from importlib import resources
from pathlib import Path

SERVER_PACKAGE = "wirecheck.article_servers"
CLIENT_PACKAGE = "wirecheck.article_client"


class Reaper(Enum):
    """How the parent reaps its finished children."""

    NONE = "none"
    SINGLE_WAIT = "one os.wait() per SIGCHLD"
    WAITPID_LOOP = "waitpid(-1, WNOHANG) loop"


class Duplicate(Enum):
    """What the parent does with its copy of the client socket after fork()."""

    NO_FORK = "no fork"
    CLOSED = "closes it"
    KEPT = "keeps it"


class Accept(Enum):
    """Which accept(): Python's retries after a signal (PEP 475), the C library's does not."""

    SOCKET = "socket.accept()"
    LIBC = "libc accept()"


@dataclass(frozen=True)
class ArticleServer:
    name: str
    step: str  # the article's listing, 3a-3g; "(3e)": not the article's code, but that step's Python 2 behaviour
    base: str | None  # the server this one changes: diffing the two files shows exactly `change`
    change: str
    reaper: Reaper
    duplicate: Duplicate
    accept: Accept
    delay: float  # default --delay: seconds between the response and the close
    backlog: int

    @property
    def closes(self) -> bool:
        """What bin/verify expects: the server's FIN after the delay. A connection closes with its last
        descriptor, so when the parent keeps its duplicate no FIN leaves while the server runs."""
        return self.duplicate is not Duplicate.KEPT

    @property
    def expected_fin(self) -> str:
        return "server FIN after the delay" if self.closes else "no server FIN while it runs"

    @property
    def path(self) -> Path:
        """The server's file, wherever wirecheck is installed."""
        return Path(resources.files(SERVER_PACKAGE).joinpath(f"{self.name}.py"))


SERVERS = (
    ArticleServer("iterative", "3a", None, "One client at a time.",
                  Reaper.NONE, Duplicate.NO_FORK, Accept.SOCKET, 0, 5),
    ArticleServer("iterative_slow", "3b", "iterative", "Sleeps 60 s after each response (default --delay).",
                  Reaper.NONE, Duplicate.NO_FORK, Accept.SOCKET, 60, 5),
    ArticleServer("forking", "3c", "iterative_slow", "A child per connection; the parent closes its duplicate.",
                  Reaper.NONE, Duplicate.CLOSED, Accept.SOCKET, 60, 5),
    ArticleServer("forking_unclosed", "3d", "forking", "The parent keeps every client socket: no FIN.",
                  Reaper.NONE, Duplicate.KEPT, Accept.SOCKET, 0, 5),
    ArticleServer("forking_single_wait", "3e", "forking", "A SIGCHLD handler with one os.wait(); child sleeps 3 s.",
                  Reaper.SINGLE_WAIT, Duplicate.CLOSED, Accept.SOCKET, 3, 5),
    ArticleServer("forking_libc_accept", "(3e)", "forking_single_wait",
                  "Calls the C library's accept() (ctypes), which a signal interrupts: dies of EINTR.",
                  Reaper.SINGLE_WAIT, Duplicate.CLOSED, Accept.LIBC, 3, 5),
    ArticleServer("forking_eintr", "3f", "forking_single_wait",
                  "Retries accept() on EINTR; backlog 1024; the child no longer sleeps.",
                  Reaper.SINGLE_WAIT, Duplicate.CLOSED, Accept.SOCKET, 0, 1024),
    ArticleServer("forking_libc_accept_eintr", "(3f)", "forking_eintr",
                  "The C library's accept() inside 3f's retry loop: survives, and says so.",
                  Reaper.SINGLE_WAIT, Duplicate.CLOSED, Accept.LIBC, 0, 1024),
    ArticleServer("forking_waitpid", "3g", "forking_eintr",
                  "A waitpid(-1, WNOHANG) loop reaps every finished child: no zombies.",
                  Reaper.WAITPID_LOOP, Duplicate.CLOSED, Accept.SOCKET, 0, 1024),
)
NAMES = tuple(server.name for server in SERVERS)


def server(name: str) -> ArticleServer:
    for candidate in SERVERS:
        if candidate.name == name:
            return candidate
    raise ValueError(f"unknown server variant {name!r}; known: {', '.join(NAMES)}")


def client3_path() -> Path:
    """The port of the article's client3, wherever wirecheck is installed."""
    return Path(resources.files(CLIENT_PACKAGE).joinpath("client3.py"))


def markdown_table() -> str:
    """The README's table of the servers, one row each, in the article's order."""
    rows = ["| file | article | diff with | what changes | reaper | parent's duplicate | accept | delay | backlog "
            "| `bin/verify` expects |", "|---|---|---|---|---|---|---|---|---|---|"]
    for s in SERVERS:
        base = f"`{s.base}.py`" if s.base else "-"
        rows.append(f"| `{s.name}.py` | {s.step} | {base} | {s.change} | {s.reaper.value} | {s.duplicate.value} "
                    f"| `{s.accept.value}` | {s.delay:g} s | {s.backlog} | {s.expected_fin} |")
    return "\n".join(rows) + "\n"
