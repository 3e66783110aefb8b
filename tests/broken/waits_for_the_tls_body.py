"""Broken: answers as the good HTTPS server does, but never sends 100 Continue: a POST with Expect: 100-continue is
answered only once its body has come, which the client sends after waiting for it in vain.

Fails expect-continue (no-continue).
"""

from tests.broken.common import serve
from tests.broken.tls_common import answer, close_orderly, parse_args, serve_tls


def converse(client):
    answer(client, continues=False)  # the bug
    close_orderly(client)


if __name__ == "__main__":
    serve(lambda args: serve_tls(args, converse), parse_args(__doc__))
