"""Keeps every connection open for another request, HTTP/1.0 ones too (envoyproxy/envoy#7123): answers with a
Content-Length and waits for the next request until the client closes."""

from tests.broken.common import KEEP_ALIVE_RESPONSE, parse_args, read_head, serve, serve_each_in_a_thread


def handle(client_connection):
    while read_head(client_connection) is not None:  # the bug: an HTTP/1.0 request does not end the connection
        client_connection.sendall(KEEP_ALIVE_RESPONSE)
    client_connection.close()


if __name__ == "__main__":
    serve(lambda args: serve_each_in_a_thread(args, handle), parse_args(__doc__))
