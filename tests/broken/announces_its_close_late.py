"""Broken: answers one request with `Connection: close`, then waits before it closes with a bare FIN (as gunicorn's
sync worker may: its FIN comes after the client's close_notify in some runs, before it in others).

Fails close-notify-before-fin; close-notify-answered is not measured in every run: the response said the
connection ends with it, so no connection stays open for a client's close_notify.
"""

import time

from tests.broken.common import serve, take_request
from tests.broken.tls_common import CLOSING_RESPONSE, close_bare, parse_args, serve_tls

# Long enough for the client's close_notify, sent once it has the response, to come first every time.
CLOSE_DELAY_SECONDS = 0.2


def converse(client):
    buffer = b""
    while take_request(buffer) is None and (chunk := client.recv(65536)):
        buffer += chunk
    client.sendall(CLOSING_RESPONSE)
    time.sleep(CLOSE_DELAY_SECONDS)
    close_bare(client)


if __name__ == "__main__":
    serve(lambda args: serve_tls(args, converse), parse_args(__doc__))
