"""Forking server with a SIGCHLD handler that calls os.wait() once (article 3e).

Each exiting child sends SIGCHLD and the handler reaps one child. Signals of the same
kind coalesce while one is pending, so a burst of children leaves some zombies.
In the article (Python 2) the signal also interrupts accept() with EINTR and the
server crashes; Python 3 retries accept() after the handler returns (PEP 475).
On the wire it looks like ``forking``: the child's delay (3 s by default), then FIN.
"""

import os
import signal
import socket

from server.common import fork_child, listen, parse_args, serve


def reap_one(signum, frame):
    pid, status = os.wait()
    print(f"Child {pid} terminated with status {status}", flush=True)


def loop(args, accept=socket.socket.accept):
    listen_socket = listen(args)
    signal.signal(signal.SIGCHLD, reap_one)
    while True:
        client_connection, _ = accept(listen_socket)
        fork_child(listen_socket, client_connection, args.delay)
        client_connection.close()


if __name__ == "__main__":
    serve(loop, parse_args(__doc__, default_delay=3))
