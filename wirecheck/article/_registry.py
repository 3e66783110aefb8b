"""The article's servers, one record each: everything the suite knows about them, in one place.

The tests' parametrization, `bin/verify`'s table and the docs' server table come from
`SERVERS`, read from the table in registry.toml beside this file (tests/unit/test_registry.py
fails when docs/article/servers.md disagrees). Each server is one
complete file run by its path, `python <file> --port N`: server/ and client/ at the top of a clone,
as the article has them; an install ships them inside this package, as wirecheck.article.servers
and wirecheck.article.client (pyproject.toml's package-dir), so that it claims no top-level name
but its own.
"""

import sys
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from wirecheck.server._ports import PORT_PLACEHOLDER

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib

HERE = Path(__file__).resolve().parent
_INSTALLED = (HERE / "servers").is_dir()
SERVER_DIRECTORY = HERE / "servers" if _INSTALLED else HERE.parents[1] / "server"
CLIENT_DIRECTORY = HERE / "client" if _INSTALLED else HERE.parents[1] / "client"


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
    step: str  # the article's listing, 3a-3g; "(3e)": not the article's code, but that step's Python 2 behaviour;
    # "3g+": past the article (the contract's reference)
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
        return SERVER_DIRECTORY / f"{self.name}.py"


def _load() -> tuple[ArticleServer, ...]:
    table = tomllib.loads((HERE / "registry.toml").read_text())
    return tuple(ArticleServer(row["name"], row["step"], row.get("base"), row["change"], Reaper[row["reaper"]],
                               Duplicate[row["duplicate"]], Accept[row["accept"]], float(row["delay"]), row["backlog"])
                 for row in table["server"])


SERVERS = _load()
NAMES = tuple(server.name for server in SERVERS)


def server(name: str) -> ArticleServer:
    for candidate in SERVERS:
        if candidate.name == name:
            return candidate
    raise ValueError(f"unknown server variant {name!r}; known: {', '.join(NAMES)}")


def variant_command(variant: str, delay: float = 0.0, backlog: int | None = None) -> list[str]:
    """The command line that runs the article's server `variant` on the port the session picks (any cwd)."""
    # -u, whatever the environment says: the servers print from their SIGCHLD handlers, and a handler that prints
    # while the loop prints to a buffered stdout crashes the server ("reentrant call inside BufferedWriter").
    # -I -S: they need the standard library alone; skipping site saves a sixth of each start's CPU.
    command = [sys.executable, "-u", "-I", "-S", str(server(variant).path), "--port", PORT_PLACEHOLDER,
               "--delay", f"{delay:g}"]
    return command + (["--backlog", str(backlog)] if backlog is not None else [])


def client3_path() -> Path:
    """The port of the article's client3, wherever wirecheck is installed."""
    return CLIENT_DIRECTORY / "client3.py"


def markdown_table() -> str:
    """The docs' table of the servers, one row each, in the article's order."""
    rows = ["| file | article | diff with | what changes | reaper | parent's duplicate | accept | delay | backlog "
            "| `bin/verify` expects |", "|---|---|---|---|---|---|---|---|---|---|"]
    for s in SERVERS:
        base = f"`{s.base}.py`" if s.base else "-"
        rows.append(f"| `{s.name}.py` | {s.step} | {base} | {s.change} | {s.reaper.value} | {s.duplicate.value} "
                    f"| `{s.accept.value}` | {s.delay:g} s | {s.backlog} | {s.expected_fin} |")
    return "\n".join(rows) + "\n"
