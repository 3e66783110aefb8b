"""The article's story on one HTML page: bin/verify's servers in the article's order, each drawn.

Each server's section says the one thing it changes from the server before it, what
it illustrates (the zombies it leaves, the claim it shows), its FIN timing, and draws
its connection from the capture bin/verify saved.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from wirecheck.render import _html_page as html_report

# variant -> (what it changes, what it illustrates); until the server registry holds them.
STORY = {
    "iterative": ("accepts, answers and closes a connection before it accepts the next",
                  "claim 1: one client at a time; the FIN follows the response at once"),
    "iterative_slow": ("sleeps between the response and the close (60 s in the article)",
                       "claims 1 and 2: a second client connects at once (backlog) but waits for the first's FIN"),
    "forking": ("forks a child per connection; the parent closes its copy of the client socket",
                "claims 1 and 3: clients served together, the FIN at the child's close; "
                "claim 5: every finished child stays a zombie"),
    "forking_unclosed": ("the parent keeps its copy of each client socket (clients.append) and never closes it",
                         "claims 3 and 4: no server FIN while the parent lives; descriptors pile up until EMFILE"),
    "forking_single_wait": ("a SIGCHLD handler reaps one child per signal with os.wait()",
                            "claim 5: signals coalesce, so some zombies remain (about 20 of a burst of 100)"),
    "forking_libc_accept": ("calls the C library's accept(), which a signal interrupts, as in Python 2",
                            "claim 6: a child's SIGCHLD during accept() kills the server with EINTR"),
    "forking_eintr": ("goes round the loop again when accept() fails with EINTR; backlog 1024",
                      "claim 6: the article's fix (Python 3 retries accept() anyway, PEP 475); zombies remain"),
    "forking_libc_accept_eintr": ("the retry of 3f around the C library's accept()",
                                  "claim 6: the fix where it matters: the server survives the signal"),
    "forking_waitpid": ("the SIGCHLD handler loops on waitpid(-1, WNOHANG) until no finished child is left",
                        "claim 5: no zombies; the article's correct server"),
    "forking_lingering": ("the child shuts its sending side (FIN), then reads what the client still sends before "
                          "it closes", "past the article: no RST over an unread upload; the contract's reference"),
}


@dataclass(frozen=True)
class VerifiedServer:
    """One row of bin/verify: its cells, whether it behaved as the article says, and its evidence."""

    variant: str
    listing: str  # the article's listing, such as "3c"
    row: Sequence[str]
    passed: bool
    fin_timing: str
    capture: Path
    failed_frames: frozenset[int]


def write(path: Path, settings: str, columns: Sequence[str], servers: Sequence[VerifiedServer]) -> None:
    """The page of a bin/verify run, servers in the order given (bin/verify's: the article's)."""
    sections = [html_report.Section(
        title=f"{server.listing} {server.variant}",
        outcome="passed" if server.passed else "failed",
        message="" if server.passed else server.row[-1],
        capture=server.capture,
        failed=server.failed_frames,
        facts=[("changes", STORY.get(server.variant, ("-", "-"))[0]),
               ("illustrates", STORY.get(server.variant, ("-", "-"))[1]),
               ("server FIN after response", server.fin_timing)],
    ) for server in servers]
    page = html_report.Page(title="The servers of \"Let's Build A Web Server, Part 3\", on the wire",
                            settings=[("run", settings)], columns=columns,
                            rows=[server.row for server in servers], sections=sections)
    html_report.write(page, path)
