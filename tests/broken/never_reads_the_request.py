"""Accepts every connection and keeps it, but never reads the request nor answers: a server whose workers are
all stuck. Its clients wait until they give up."""

from tests.broken.common import listen, parse_args, serve


def loop(args):
    listen_socket = listen(args)
    held = []  # never read, never closed: the kernel acknowledges the request and nobody takes it
    while True:
        client_connection, _ = listen_socket.accept()
        held.append(client_connection)


if __name__ == "__main__":
    serve(loop, parse_args(__doc__))
