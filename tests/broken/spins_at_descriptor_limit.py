"""Serves each connection in a thread of its own, and when accept() fails for want of a descriptor (EMFILE) tries
again at once: past its open-files limit it spins a core until a descriptor frees (as waitress, node, bun, warp and
ranch did). Its idle clients hold their threads, reading a request that never comes."""

import errno
import threading

from tests.broken.common import handle_request, listen, parse_args, serve


def answer_and_close(client_connection):
    with client_connection:
        handle_request(client_connection, 0)


def loop(args):
    listen_socket = listen(args)
    while True:
        try:
            client_connection, _ = listen_socket.accept()
        except OSError as error:
            if error.errno in (errno.EMFILE, errno.ENFILE):
                continue  # the bug: no back-off, the listener is still readable, accept() fails again at once
            raise
        threading.Thread(target=answer_and_close, args=(client_connection,), daemon=True).start()


if __name__ == "__main__":
    serve(loop, parse_args(__doc__, default_backlog=128))
