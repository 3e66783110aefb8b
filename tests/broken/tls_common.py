"""What the HTTPS servers share: --cert and --key, a TLS context as strict as the gate's clients, a handshake per
connection, and the orderly close (close_notify, then FIN).

The well-behaved one is good_https.py; each broken TLS server changes one thing of it, so that it reads as the one
way it misbehaves. Python's ssl sends no close_notify on close(): unwrap() does, then waits for the client's (the
socket's timeout bounds that wait).
"""

import argparse
import socket
import ssl

from tests.broken.common import listen

# How long a connection may take for its handshake, for its client's next bytes, or for its client's close_notify.
CONNECTION_TIMEOUT_SECONDS = 5.0


def parse_args(doc: str | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(doc or "").strip().splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: %(default)s)")
    parser.add_argument("--port", type=int, required=True, help="port to bind")
    parser.add_argument("--backlog", type=int, default=64, help="listen backlog (default: %(default)s)")
    parser.add_argument("--cert", required=True, help="the certificate (PEM, its chain)")
    parser.add_argument("--key", required=True, help="the certificate's private key (PEM)")
    return parser.parse_args()


def tls_listener(args: argparse.Namespace) -> tuple[socket.socket, ssl.SSLContext]:
    """The listening socket (plain: each connection's handshake is its own thread's) and the TLS context."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.cert, args.key)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.options &= ~ssl.OP_IGNORE_UNEXPECTED_EOF  # a client's bare FIN is an error, not an end
    return listen(args), context


def handshake(context: ssl.SSLContext, connection: socket.socket) -> ssl.SSLSocket | None:
    """`connection` over TLS once its handshake is done; None (the connection closed) if the client failed it."""
    connection.settimeout(CONNECTION_TIMEOUT_SECONDS)
    try:
        return context.wrap_socket(connection, server_side=True, suppress_ragged_eofs=False)
    except (ssl.SSLError, OSError) as error:
        print(f"handshake failed: {error}", flush=True)
        connection.close()
        return None


def close_orderly(connection: ssl.SSLSocket) -> None:
    """close_notify, the client's close_notify awaited (or already there), then FIN."""
    try:
        connection.unwrap()
    except (ssl.SSLError, OSError) as error:  # the client left without close_notify, or never sent it in time
        print(f"no close_notify from the client: {error}", flush=True)
    connection.close()
