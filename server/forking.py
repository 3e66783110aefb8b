"""Forking server (article 3c): a child per connection, the parent closes its duplicate.

After fork() both processes hold the client socket; the parent closes its copy at
once, so the connection closes exactly when the child closes (after its delay,
60 s by default as in the article). On the wire: the response, the delay, then the
server's FIN. Clients no longer wait for each other. Children are never reaped:
each finished one stays a zombie until the server exits (see ``forking_waitpid``).
"""

from server.common import fork_child, listen, parse_args, serve


def loop(args):
    listen_socket = listen(args)
    while True:
        client_connection, _ = listen_socket.accept()
        fork_child(listen_socket, client_connection, args.delay)
        client_connection.close()  # the parent's duplicate; the child holds the other


if __name__ == "__main__":
    serve(loop, parse_args(__doc__, default_delay=60))
