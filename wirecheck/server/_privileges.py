"""Who the servers run as: an unprivileged user when the suite is root, so that a server under test
never holds root's powers; the capture keeps them.

An unprivileged user must be able to run the interpreter and read the servers' files: a
clone under /root (mode 700) or a per-user interpreter (pyenv under /root) is out of
its reach. That is tried once, by running a server's --help as that user; when it
fails, the servers run as root and the reason is reported (see `ServerUser.reason`).
"""

import errno
import os
import pwd
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from wirecheck._option_names import flag

DEFAULT_SERVER_USER = "nobody"
PROBE_SECONDS = 10
# util-linux's setpriv changes the ids, then execs the command: Popen's own user= would do that in a fork() of the
# whole calling process (CPython gives up vfork() for it), which costs a test process ~9 ms of CPU per server.
# setpriv keeps root's capabilities up to its exec, so env, started with none, execs the command as the user alone
# would: it exits 126 when the user may not execute the command and 127 when there is none, as a shell does.
SETPRIV, ENV = shutil.which("setpriv"), shutil.which("env")
CANNOT_EXECUTE, NOT_FOUND = 126, 127


@dataclass(frozen=True)
class ServerUser:
    name: str | None  # None: the servers run as the suite's own user
    reason: str
    fell_back: bool = False  # root was to be dropped, and could not be: the servers run as root


def check_server_user(requested: str) -> None:
    """Refuse a user that does not exist, where one is needed (the suite is root): a look-up, no process."""
    if os.geteuid() != 0 or requested in ("", "root"):
        return
    try:
        pwd.getpwnam(requested)
    except KeyError:
        raise ValueError(f"{flag('server_user')} {requested!r}: no such user") from None


def choose_server_user(requested: str, repo_root: Path, probe: Path) -> ServerUser:
    """The user to run the servers as, given --wire-server-user; root is dropped only where that works: where the
    user can run the script `probe` (with --help) in `repo_root`."""
    check_server_user(requested)
    if os.geteuid() != 0:
        return ServerUser(None, f"servers run as {pwd.getpwuid(os.geteuid()).pw_name} (the suite is not root)")
    if requested in ("", "root"):
        return ServerUser(None, f"servers run as root ({flag('server_user')} root)")
    try:
        argv, identity = as_user([sys.executable, str(probe), "--help"], requested)
        probe = subprocess.run(argv, cwd=repo_root, capture_output=True, text=True, timeout=PROBE_SECONDS, **identity)
        why = None if probe.returncode == 0 else (probe.stderr.strip().splitlines() or ["no output"])[-1]
    except (OSError, subprocess.TimeoutExpired) as error:  # e.g. the interpreter itself is out of its reach
        why = str(error)
    if why is not None:
        return ServerUser(None, f"servers run as root: {requested} cannot run {sys.executable} in {repo_root} "
                                f"({why}); clone the repository where {requested} can read it to run them "
                                "unprivileged", fell_back=True)
    return ServerUser(requested, f"servers run as {requested} (the suite is root; the capture keeps root)")


def as_user(argv: list[str], user: str | None) -> tuple[list[str], dict]:
    """The command line and the Popen keyword arguments that run `argv` as `user` (unchanged for None)."""
    if user is None:
        return argv, {}
    account = pwd.getpwnam(user)
    if SETPRIV is None or ENV is None:
        return argv, {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
    if os.sep not in argv[0] and shutil.which(argv[0]) is None:  # else, where PATH holds a directory the user
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), argv[0])  # cannot search, env says EACCES
    return [SETPRIV, f"--reuid={account.pw_uid}", f"--regid={account.pw_gid}", "--clear-groups", "--",
            ENV, "--", *argv], {}
