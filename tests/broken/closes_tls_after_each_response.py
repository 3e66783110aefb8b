"""Broken: answers one request, kept alive or not, then closes with a bare FIN, as http.server wrapped in ssl does.

Fails close-notify-before-fin; close-notify-answered is not measured: no connection stays open for a client's
close_notify.
"""

from tests.broken.common import KEEP_ALIVE_RESPONSE, serve, take_request
from tests.broken.tls_common import close_bare, parse_args, serve_tls


def converse(client):
    buffer = b""
    while take_request(buffer) is None and (chunk := client.recv(65536)):
        buffer += chunk
    client.sendall(KEEP_ALIVE_RESPONSE)
    close_bare(client)


if __name__ == "__main__":
    serve(lambda args: serve_tls(args, converse), parse_args(__doc__))
