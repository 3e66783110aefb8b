"""Broken: makes its handshakes in accept(), on a wrapped listening socket, and lets a failed one escape its accept
loop: bytes that are no TLS at all (or a client that leaves before its ClientHello) end the server. Wrapping the
listening socket is the short way to HTTPS with Python's ssl; socketserver survives it (it catches the error of
accept()), a bare accept loop does not.

Fails bad-input: the server dies, the next client is refused.
"""

import threading

from tests.broken.common import listen, serve
from tests.broken.tls_common import answer, close_orderly, parse_args, server_context


def converse(client):
    answer(client)
    close_orderly(client)


def accept_forever(args):
    listener = server_context(args).wrap_socket(listen(args), server_side=True)
    while True:
        client, _ = listener.accept()  # the handshake, here: an ssl.SSLError ends the server (the bug)
        threading.Thread(target=converse, args=(client,), daemon=True).start()


if __name__ == "__main__":
    serve(accept_forever, parse_args(__doc__))
