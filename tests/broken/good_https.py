"""A well-behaved HTTPS server, the reference of the TLS contract: one thread per connection; each request answered
200 OK with Content-Length and Connection: close, then close_notify before its FIN; a client's close_notify
answered with its own close_notify, then FIN.

It lives beside the broken servers because the broken TLS servers are this one with one thing changed.
"""

import ssl
import threading

from tests.broken.common import KEEP_ALIVE_RESPONSE, serve, take_request
from tests.broken.tls_common import close_orderly, handshake, parse_args, tls_listener

RESPONSE = KEEP_ALIVE_RESPONSE.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n", 1)


def loop(args):
    listen_socket, context = tls_listener(args)
    while True:
        connection, _ = listen_socket.accept()
        threading.Thread(target=_serve, args=(context, connection), daemon=True).start()


def _serve(context, connection):
    client = handshake(context, connection)
    if client is None:
        return
    buffer = b""
    try:
        while take_request(buffer) is None:
            chunk = client.recv(65536)
            if not chunk:  # the client's close_notify: answered with ours
                break
            buffer += chunk
        else:
            client.sendall(RESPONSE)
    except (ssl.SSLError, OSError) as error:  # a bare FIN (SSLEOFError), a reset: no orderly close to make
        print(f"client went away: {error}", flush=True)
        client.close()
        return
    close_orderly(client)


if __name__ == "__main__":
    serve(loop, parse_args(__doc__))
