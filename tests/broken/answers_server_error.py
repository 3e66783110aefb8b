"""Answers every request with 500 Internal Server Error (framed by its length), then closes: an application
that broke. The gate must fail it on its properties, not refuse it as a path it does not serve."""

from tests.broken.common import parse_args, read_head, serve, serve_each_in_a_thread

SERVER_ERROR = b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


def handle(client_connection):
    with client_connection:
        if read_head(client_connection) is not None:
            client_connection.sendall(SERVER_ERROR)


if __name__ == "__main__":
    serve(lambda args: serve_each_in_a_thread(args, handle), parse_args(__doc__))
