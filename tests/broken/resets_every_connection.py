"""Reads each request head, then aborts the connection (SO_LINGER 0): an RST and no answer at all, as a server
that crashes on every request does."""

import socket
import struct

from tests.broken.common import parse_args, read_head, serve, serve_each_in_a_thread


def handle(client_connection):
    read_head(client_connection)
    client_connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    client_connection.close()


if __name__ == "__main__":
    serve(lambda args: serve_each_in_a_thread(args, handle), parse_args(__doc__))
