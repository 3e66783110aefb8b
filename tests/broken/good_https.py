"""A well-behaved HTTPS server, the reference of the TLS contract: one thread per connection; requests answered
200 OK (HTTP/1.1 framed by Content-Length and kept alive until the client asks to close or idles for a second,
HTTP/1.0 ended by the close, 100 Continue to an Expect, an upload past 64 KiB refused with 413 before its body),
a head not whole 0.75 s after its first byte cut off; then close_notify and FIN at once, and a client's close_notify
answered with its own, then FIN; what the client sends after that (the rest of a refused upload too) is read until
its FIN. A handshake that fails (bytes that are no TLS at all) ends with FIN, what the client sent read, not with RST.
SIGTERM stops it gracefully: no newcomer, the idle and the silent connections closed, a request begun answered, then
it exits.

It lives beside the broken servers because the broken TLS servers are this one with one step changed.
"""

from tests.broken.common import serve
from tests.broken.tls_common import answer, close_orderly, parse_args, serve_tls


def converse(client):
    answer(client)
    close_orderly(client)


if __name__ == "__main__":
    serve(lambda args: serve_tls(args, converse), parse_args(__doc__))
