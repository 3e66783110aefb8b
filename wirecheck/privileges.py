"""Who the servers run as: an unprivileged user when the suite is root, so that a server under test
never holds root's powers; the capture keeps them.

An unprivileged user must be able to run the interpreter and read the servers' files: a
clone under /root (mode 700) or a per-user interpreter (pyenv under /root) is out of
its reach. That is tried once, by running a server's --help as that user; when it
fails, the servers run as root and the reason is reported (see `ServerUser.reason`).
"""

import os
import pwd
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from wirecheck.registry import SERVERS

DEFAULT_SERVER_USER = "nobody"
PROBE_SECONDS = 10


@dataclass(frozen=True)
class ServerUser:
    name: str | None  # None: the servers run as the suite's own user
    reason: str


def choose_server_user(requested: str, repo_root: Path) -> ServerUser:
    """The user to run the servers as, given --server-user; root is dropped only where that works."""
    if os.geteuid() != 0:
        return ServerUser(None, f"servers run as {pwd.getpwuid(os.geteuid()).pw_name} (the suite is not root)")
    if requested in ("", "root"):
        return ServerUser(None, "servers run as root (--server-user root)")
    try:
        pwd.getpwnam(requested)
    except KeyError:
        raise ValueError(f"--server-user {requested!r}: no such user") from None
    try:
        probe = subprocess.run([sys.executable, str(SERVERS[0].path), "--help"], cwd=repo_root,
                               capture_output=True, text=True, timeout=PROBE_SECONDS, **process_identity(requested))
        why = None if probe.returncode == 0 else (probe.stderr.strip().splitlines() or ["no output"])[-1]
    except (OSError, subprocess.TimeoutExpired) as error:  # e.g. the interpreter itself is out of its reach
        why = str(error)
    if why is not None:
        return ServerUser(None, f"servers run as root: {requested} cannot run {sys.executable} in {repo_root} "
                                f"({why}); clone the repository where {requested} can read it to run them "
                                "unprivileged")
    return ServerUser(requested, f"servers run as {requested} (the suite is root; the capture keeps root)")


def process_identity(user: str | None) -> dict:
    """Popen keyword arguments that start a process as `user` (nothing for None)."""
    if user is None:
        return {}
    return {"user": user, "group": pwd.getpwnam(user).pw_gid, "extra_groups": []}
