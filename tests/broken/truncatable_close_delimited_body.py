"""Broken: closes with close_notify after a length-framed response, but a body that ends with the connection (its
HTTP/1.0 answer) ends with a bare FIN: a client cannot tell the whole body from a truncated one.

Fails no-truncation only.
"""

from tests.broken.common import serve
from tests.broken.tls_common import CLOSE_DELIMITED_RESPONSE, answer, close_bare, close_orderly, parse_args, serve_tls


def converse(client):
    last = answer(client)
    (close_bare if last is CLOSE_DELIMITED_RESPONSE else close_orderly)(client)


if __name__ == "__main__":
    serve(lambda args: serve_tls(args, converse), parse_args(__doc__))
