"""Takes a client's FIN for the end of the conversation (aiohttp, golang/go#18527): answers nothing to a request
followed by the client's FIN, and never closes its own side of such a connection."""

import select
import socket

from tests.broken.common import KEEP_ALIVE_RESPONSE, parse_args, read_head, serve, serve_each_in_a_thread

FIN_SEEN_WITHIN_SECONDS = 0.05  # the contract's client sends its FIN right after its request
held = []  # connections whose client sent FIN: kept, unanswered and unclosed


def handle(client_connection):
    head = read_head(client_connection)
    readable, _, _ = select.select([client_connection], [], [], FIN_SEEN_WITHIN_SECONDS)
    if head is None or (readable and client_connection.recv(1, socket.MSG_PEEK) == b""):
        held.append(client_connection)  # the bug: the client's FIN ends nothing on this side
        return
    client_connection.sendall(KEEP_ALIVE_RESPONSE)
    client_connection.close()


if __name__ == "__main__":
    serve(lambda args: serve_each_in_a_thread(args, handle), parse_args(__doc__))
