"""Forking server that reaps every finished child (article 3g): the correct one.

Same loop as ``forking_eintr``; only the SIGCHLD handler changes. It loops on
waitpid(-1, WNOHANG) until no finished child is left, so coalesced signals no
longer leave zombies; WNOHANG keeps it from blocking on children still running.
On the wire it looks like ``forking``: response, the child's delay, FIN; in the
process table, no zombies.
"""

import functools
import os

from server import forking_eintr
from server.common import parse_args, serve


def reap_all(signum, frame):
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return  # no children at all
        if pid == 0:
            return  # children remain, none finished
        print(f"Child {pid} terminated with status {status}", flush=True)


if __name__ == "__main__":
    serve(functools.partial(forking_eintr.loop, reaper=reap_all), parse_args(__doc__, default_backlog=1024))
