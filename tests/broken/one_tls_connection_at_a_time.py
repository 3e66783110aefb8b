"""Serves one HTTPS connection at a time, its handshake too, in the accept loop, and waits for each request head
however slowly it comes (each trickled byte renews the read's timeout: no header timeout), as
one_connection_at_a_time.py does over plain TCP: one client that says nothing, idles after a response or trickles
its head holds up everyone (benoitc/gunicorn#2781)."""

from tests.broken.common import serve
from tests.broken.tls_common import answer, close_orderly, parse_args, serve_tls


def converse(client):
    answer(client, header_timeout=None)  # the bug, with the accept loop's
    close_orderly(client)


if __name__ == "__main__":
    serve(lambda args: serve_tls(args, converse, in_threads=False), parse_args(__doc__))
