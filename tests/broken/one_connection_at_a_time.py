"""Serves one connection at a time, keeping it alive, and waits for each request head however slowly it comes:
no header timeout, so one client that trickles its head, idles after a response or says nothing holds up
everyone (benoitc/gunicorn#2781)."""

from tests.broken.common import listen, parse_args, serve, serve_keep_alive


def loop(args):
    listen_socket = listen(args)
    while True:
        client_connection, _ = listen_socket.accept()
        with client_connection:
            serve_keep_alive(client_connection)


if __name__ == "__main__":
    serve(loop, parse_args(__doc__))
