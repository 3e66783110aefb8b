"""Keeps connections alive, then aborts one that stays idle for IDLE_SECONDS (SO_LINGER 0): RST, not FIN
(nodejs/node#17749)."""

import socket
import struct

from tests.broken.common import KEEP_ALIVE_RESPONSE, parse_args, read_head, serve, serve_each_in_a_thread

IDLE_SECONDS = 0.3


def handle(client_connection):
    client_connection.settimeout(IDLE_SECONDS)
    try:
        while read_head(client_connection) is not None:
            client_connection.sendall(KEEP_ALIVE_RESPONSE)
    except TimeoutError:
        client_connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # the bug
    client_connection.close()


if __name__ == "__main__":
    serve(lambda args: serve_each_in_a_thread(args, handle), parse_args(__doc__))
