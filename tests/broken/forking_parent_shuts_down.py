"""Forking server whose parent shuts the connection down instead of only closing its copy: FIN at once.

shutdown() acts on the socket, not on one descriptor: the FIN leaves when the parent calls
it, although the child still holds a copy. The child reads the request but cannot answer.
"""

import socket

from tests.broken.common import fork_child, listen, parse_args, serve


def loop(args):
    listen_socket = listen(args)
    while True:
        client_connection, _ = listen_socket.accept()
        fork_child(listen_socket, client_connection, args.delay)
        client_connection.shutdown(socket.SHUT_WR)  # the bug: ends the connection for every copy
        client_connection.close()


if __name__ == "__main__":
    serve(loop, parse_args(__doc__))
