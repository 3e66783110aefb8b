"""Broken: announces keep-alive as the good HTTPS server does but answers only the first request of a connection;
the next goes unanswered until its idle timeout closes it (close_notify, then FIN).

Fails keep-alive (unanswered-request).
"""

from itertools import count

from tests.broken.common import serve
from tests.broken.tls_common import answer, close_orderly, parse_args, response_to, serve_tls


def converse(client):
    numbers = count(1)
    answer(client, lambda head: response_to(head) if next(numbers) == 1 else b"")  # the bug: b"" sends nothing
    close_orderly(client)


if __name__ == "__main__":
    serve(lambda args: serve_tls(args, converse), parse_args(__doc__))
