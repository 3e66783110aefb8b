"""Broken: closes with close_notify when it ends a connection itself, but answers a client's close_notify with a
bare FIN.

Fails close-notify-answered only.
"""

from tests.broken.common import serve
from tests.broken.tls_common import answer, close_bare, close_orderly, parse_args, serve_tls


def converse(client):
    ended_by_server = answer(client) is not None
    (close_orderly if ended_by_server else close_bare)(client)


if __name__ == "__main__":
    serve(lambda args: serve_tls(args, converse), parse_args(__doc__))
