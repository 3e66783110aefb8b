"""Goes to the background like a daemon (nginx's `daemon on`): forks, the child starts a session of its own and
serves, the first process exits at once with status 0."""

import os

from tests.broken.common import handle_request, listen, parse_args, serve


def loop(args):
    if os.fork():
        os._exit(0)
    serve_as_daemon(listen(args), args)


def serve_as_daemon(listen_socket, args):
    """A session of its own, out of the process group it was started in, then the accept loop."""
    os.setsid()
    accept_loop(listen_socket, args)


def accept_loop(listen_socket, args):
    while True:
        client_connection, _ = listen_socket.accept()
        handle_request(client_connection, args.delay)
        client_connection.close()


if __name__ == "__main__":
    serve(loop, parse_args(__doc__))
