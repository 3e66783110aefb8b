"""Iterative server (article 3a): one client at a time.

The loop accepts a connection, answers it and closes it before it accepts the next one.
On the wire: handshake, request, response, then the server's FIN right after the
response. A second client's handshake still completes at once (the kernel answers
SYNs from the listen backlog), but its response waits until the first one is done.
"""

from server.common import handle_request, listen, parse_args, serve


def loop(args):
    listen_socket = listen(args)
    while True:
        client_connection, _ = listen_socket.accept()
        handle_request(client_connection, args.delay)
        client_connection.close()


if __name__ == "__main__":
    serve(loop, parse_args(__doc__))
