"""Sends a 404 with another body as soon as a client connects, before reading the request."""

from tests.broken.common import listen, parse_args, serve

RESPONSE = b"HTTP/1.1 404 Not Found\r\n\r\nGoodbye\n"


def loop(args):
    listen_socket = listen(args)
    while True:
        client_connection, _ = listen_socket.accept()
        client_connection.sendall(RESPONSE)
        client_connection.recv(1024)
        client_connection.close()


if __name__ == "__main__":
    serve(loop, parse_args(__doc__))
