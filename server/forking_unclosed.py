"""Forking server whose parent never closes its duplicate (article 3d): the missing FIN.

The parent keeps every client socket in a list instead of closing it. The child
answers and closes its copy, but a socket is closed only when its last descriptor
is: no FIN is sent. On the wire: the whole response, then silence; curl waits for a
FIN that never comes, and when it gives up its own FIN is only ACKed. The server's
FIN appears when the parent process exits. Descriptors pile up until accept() fails.
"""

from server.common import fork_child, listen, parse_args, serve


def loop(args):
    listen_socket = listen(args)
    clients = []
    while True:
        client_connection, _ = listen_socket.accept()
        fork_child(listen_socket, client_connection, args.delay)
        clients.append(client_connection)  # the bug: the parent's copy stays open


if __name__ == "__main__":
    serve(loop, parse_args(__doc__))
