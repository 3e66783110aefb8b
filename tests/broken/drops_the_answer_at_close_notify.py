"""Broken under TLS 1.3: takes a client's close_notify for the end of the whole conversation, as asyncio's SSL
transport does (uvicorn, hypercorn, aiohttp: once the peer's close_notify is read, what the app writes is dropped).
A request that came with the client's close_notify is left unanswered and the close_notify answered with close_notify,
then FIN: TLS 1.2's rule (RFC 5246 §7.2.1: close down at once, discarding pending writes), which TLS 1.3 dropped
(RFC 8446 §6.1: a close_notify closes only its sender's write side).

Fails half-close; with --tls12 (TLS 1.2 at most) the same close is the protocol's, and passes it.
"""

import select
import ssl

from tests.broken.common import serve
from tests.broken.tls_common import (
    CONNECTION_TIMEOUT_SECONDS,
    answer,
    close_orderly,
    parse_args,
    response_to,
    serve_tls,
)


def converse(client):
    answer(client, respond=lambda head: b"" if _close_notify_came(client) else response_to(head))
    close_orderly(client)


def _close_notify_came(client: ssl.SSLSocket) -> bool:
    """Whether the client's close_notify came with its request: what had come behind it is read (the half-closing
    client sends nothing else)."""
    if not select.select([client], [], [], 0)[0]:
        return False
    client.setblocking(False)
    try:
        return client.recv(65536) == b""
    except ssl.SSLWantReadError:  # part of a record
        return False
    finally:
        client.settimeout(CONNECTION_TIMEOUT_SECONDS)


if __name__ == "__main__":
    serve(lambda args: serve_tls(args, converse), parse_args(__doc__))
