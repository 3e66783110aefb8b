"""Forking server that restarts accept() after EINTR (article 3f).

The article's fix for the 3e crash: when SIGCHLD interrupts accept(), go round the
loop again instead of dying. The backlog grows to 1024. Python 3 already retries
socket.accept() after a signal (PEP 475), so here the except branch is the
article's safety net; it still reaps only one child per signal, so zombies remain.
"""

import errno
import signal
import socket

from server.common import fork_child, listen, parse_args, serve
from server.forking_single_wait import reap_one


def loop(args, reaper=reap_one, accept=socket.socket.accept):
    listen_socket = listen(args)
    signal.signal(signal.SIGCHLD, reaper)
    while True:
        try:
            client_connection, _ = accept(listen_socket)
        except OSError as error:
            if error.errno == errno.EINTR:
                print("accept() interrupted by a signal (EINTR): accepting again", flush=True)
                continue  # interrupted by SIGCHLD: accept again
            raise
        fork_child(listen_socket, client_connection, args.delay)
        client_connection.close()


if __name__ == "__main__":
    serve(loop, parse_args(__doc__, default_backlog=1024))
