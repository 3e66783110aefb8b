"""Listens with a backlog of 1 and accepts slowly: each accepted connection is served in a thread of its own, but
the loop sleeps a little before it accepts the next, so that a burst of connects finds the accept queue (2 places)
full and most of its SYNs are dropped and sent again a second later (listen(2))."""

import threading

from tests.broken.common import handle_request, listen, parse_args, serve

ACCEPT_PAUSE_SECONDS = 0.01  # a slow accept loop: logging, a lock, a busy machine


def loop(args):
    listen_socket = listen(args)
    while True:
        client_connection, _ = listen_socket.accept()
        threading.Thread(target=_serve, args=(client_connection, args.delay), daemon=True).start()
        threading.Event().wait(ACCEPT_PAUSE_SECONDS)


def _serve(client_connection, delay):
    with client_connection:
        handle_request(client_connection, delay)


if __name__ == "__main__":
    serve(loop, parse_args(__doc__, default_backlog=1))
