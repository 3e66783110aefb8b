"""The basic clients over TLS meet servers that fail them: a reply records the failure, and nothing raises."""

import socket
import threading

import trustme

from wirecheck.clients._held import idle_keep_alive
from wirecheck.clients._requests import burst
from wirecheck.server._dialer import Dialer, client_context


def _tls_dialer(tmp_path, port: int) -> Dialer:
    """A TLS dialer of `port`, trusting a CA of its own that no server here has a certificate of."""
    trustme.CA().cert_pem.write_to_path(tmp_path / "ca.pem")
    return Dialer(port, client_context(tmp_path / "ca.pem", tmp_path / "keylog"), tmp_path / "keylog")


def test_a_server_that_closes_before_the_handshake_is_a_failed_reply_not_an_error(tmp_path):
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]

        def hang_up() -> None:
            for _ in range(2):
                listener.accept()[0].close()

        threading.Thread(target=hang_up, daemon=True).start()
        replies = burst(_tls_dialer(tmp_path, port), [b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"] * 2, 5.0)
    assert [reply.data for reply in replies] == [b"", b""]
    assert all(reply.error for reply in replies)


def test_a_held_client_whose_handshake_the_server_never_makes_is_left_to_the_capture_not_raised(tmp_path):
    with socket.create_server(("127.0.0.1", 0)) as listener:  # never accepts: the ClientHello waits in the queue
        assert idle_keep_alive(_tls_dialer(tmp_path, listener.getsockname()[1]), "/", 0.2) == []
