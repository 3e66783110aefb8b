"""Announces keep-alive (a Content-Length, no Connection: close) but answers only the first request of a
connection; it reads the others and says nothing until the client closes."""

from tests.broken.common import KEEP_ALIVE_RESPONSE, parse_args, read_head, serve, serve_each_in_a_thread


def handle(client_connection):
    if read_head(client_connection) is not None:
        client_connection.sendall(KEEP_ALIVE_RESPONSE)
    while read_head(client_connection) is not None:
        pass  # the bug: later requests go unanswered
    client_connection.close()


if __name__ == "__main__":
    serve(lambda args: serve_each_in_a_thread(args, handle), parse_args(__doc__))
