"""Answers like the iterative server, then aborts the connection (SO_LINGER 0): RST, not FIN."""

import socket
import struct

from tests.broken.common import handle_request, listen, parse_args, serve


def loop(args):
    listen_socket = listen(args)
    while True:
        client_connection, _ = listen_socket.accept()
        handle_request(client_connection, args.delay)
        client_connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        client_connection.close()


if __name__ == "__main__":
    serve(loop, parse_args(__doc__))
