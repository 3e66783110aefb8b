"""Not broken: the good HTTPS server, except that after its close_notify it waits for the client's before it sends
its FIN (as asyncio's servers do: uvicorn, hypercorn, aiohttp; lighttpd too). On TCP the client's FIN then comes
first, though the server began the close: its close_notify came first.

Passes fin-in-time, close-ends-connection, http-1.0 and idle-close: who closed first is read from the close_notify.
"""

from tests.broken.common import serve
from tests.broken.tls_common import answer, close_after_theirs, parse_args, serve_tls


def converse(client):
    answer(client)
    close_after_theirs(client)


if __name__ == "__main__":
    serve(lambda args: serve_tls(args, converse), parse_args(__doc__))
