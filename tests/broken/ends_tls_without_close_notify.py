"""Broken: answers as the good HTTPS server does, then closes with a bare FIN, never a close_notify (as gunicorn and
http.server wrapped in ssl do): a client cannot tell the end from a cut connection.

Fails close-notify (and no-truncation: its HTTP/1.0 body ends with the connection) and close-notify-answered.
"""

from tests.broken.common import serve
from tests.broken.tls_common import answer, close_bare, parse_args, serve_tls


def converse(client):
    answer(client)
    close_bare(client)


if __name__ == "__main__":
    serve(lambda args: serve_tls(args, converse), parse_args(__doc__))
