"""Serves each connection in a thread, keeping it alive, but when the client closes first it forgets the socket
without closing it: no FIN, the socket stays in CLOSE_WAIT and its descriptor open (Kludex/uvicorn#1199)."""

import threading

from tests.broken.common import listen, parse_args, serve, serve_keep_alive

forgotten = []  # the sockets of clients that closed first: never closed here


def serve_connection(client_connection):
    if serve_keep_alive(client_connection):
        client_connection.close()  # the client asked for it (Connection: close)
    else:
        forgotten.append(client_connection)


def loop(args):
    listen_socket = listen(args)
    while True:
        client_connection, _ = listen_socket.accept()
        threading.Thread(target=serve_connection, args=(client_connection,), daemon=True).start()


if __name__ == "__main__":
    serve(loop, parse_args(__doc__))
