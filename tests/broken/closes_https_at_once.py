"""Not broken: the good HTTPS server, except that it closes its socket at once after close_notify and FIN (as nginx
does) instead of reading the client's close: the client's close_notify then draws a RST, after the server's FIN,
which RFC 8446 §6.1 allows (a side need not await the peer's close_notify).

Passes fin-in-time, whose verdict notes that RST.
"""

from tests.broken.common import serve
from tests.broken.tls_common import answer, close_at_once, parse_args, serve_tls


def converse(client):
    answer(client)
    close_at_once(client)


if __name__ == "__main__":
    serve(lambda args: serve_tls(args, converse), parse_args(__doc__))
