"""Broken: sends close_notify and then resets the connection (SO_LINGER 0) instead of its FIN.

Fails close-notify: the close_notify is there, the FIN is not.
"""

from tests.broken.common import serve
from tests.broken.tls_common import answer, close_with_reset, parse_args, serve_tls


def converse(client):
    answer(client)
    close_with_reset(client)


if __name__ == "__main__":
    serve(lambda args: serve_tls(args, converse), parse_args(__doc__))
