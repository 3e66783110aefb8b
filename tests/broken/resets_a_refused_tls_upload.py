"""Broken: refuses an upload before its body as the good HTTPS server does, then closes its socket at once, with
neither close_notify nor a read of the rest (as the article's servers close): the body still coming makes Linux
reset the connection (RST, no FIN) while the client sends, and the refusal, which ends at the close, never ends.

Fails early-response-whole (incomplete-response) and no-reset-while-sending (reset-while-sending).
"""

from tests.broken.common import serve
from tests.broken.tls_common import answer, close_bare, parse_args, serve_tls


def converse(client):
    answer(client)
    close_bare(client)  # the bug: unread bytes in the socket, so close() resets


if __name__ == "__main__":
    serve(lambda args: serve_tls(args, converse), parse_args(__doc__))
