"""A TLS client that ends a kept-alive connection with its close_notify alone, its FIN held back, and waits for the
server's answer: its own close_notify (RFC 8446 §6.1), a bare FIN, a reset, or nothing. What it was, the capture
tells; the client only waits, bounded."""

import select
import ssl
import time

from wirecheck.clients._held import idle_keep_alive
from wirecheck.server._dialer import Dialer


def close_notify_first(dialer: Dialer, path: str, timeout: float) -> None:
    """One kept-alive exchange, then close_notify; up to `timeout` for the server's, then the client closes."""
    client, = idle_keep_alive(dialer, path, timeout)
    assert isinstance(client, ssl.SSLSocket), "a TLS client needs a --wire-tls run"
    deadline = time.monotonic() + timeout
    client.setblocking(False)
    try:
        while True:
            try:
                client.unwrap()  # sends ours the first time; returns once the server's has come
                return
            except ssl.SSLWantReadError:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return
                select.select([client], [], [], remaining)
    except (ssl.SSLError, OSError):
        return  # a bare FIN (an SSLError) or a reset: no close_notify came
    finally:
        client.close()
