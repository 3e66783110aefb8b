"""Broken: answers as the good HTTPS server does, but its response stops 4 bytes short of its Content-Length, then
closes in good order (close_notify, then FIN): the decrypted stream shows a response cut short.

Fails complete-response (incomplete-response) and fin-in-time (server-fin-early: it closes mid-response).
"""

from tests.broken.common import serve
from tests.broken.tls_common import answer, close_orderly, parse_args, response_to, serve_tls


def converse(client):
    answer(client, lambda head: response_to(head)[:-4])  # the bug
    close_orderly(client)


if __name__ == "__main__":
    serve(lambda args: serve_tls(args, converse), parse_args(__doc__))
