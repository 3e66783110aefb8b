"""Forking server that calls libc accept() and retries it after EINTR: the article's 3f fix, where it matters.

Same loop as ``forking_eintr`` (go round again when accept() fails with EINTR, backlog
1024), with the C library's accept() of ``forking_libc_accept``, which a signal does
interrupt. The child's SIGCHLD now costs one line of output ("accept() interrupted ...")
instead of the server. On the wire: every client is answered, before and after a child
exits; in the process table, zombies still remain (one os.wait() per signal).
"""

import functools

from server import forking_eintr
from server.common import parse_args, serve
from server.forking_libc_accept import libc_accept

if __name__ == "__main__":
    serve(functools.partial(forking_eintr.loop, accept=libc_accept), parse_args(__doc__, default_backlog=1024))
