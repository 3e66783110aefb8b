"""The basic clients over TLS meet servers that fail them: a reply records the failure, and nothing raises; what the
clients that wait for the server's next word read over TLS."""

import select
import socket
import ssl
import threading
import time

import trustme

from wirecheck.clients._held import idle_keep_alive, next_bytes
from wirecheck.clients._requests import burst
from wirecheck.server._dialer import Dialer, client_context, close

# How long each held client waits for its handshake and its response in the side-by-side test.
TIMEOUT = 0.5


def _tls_dialer(tmp_path, port: int, ca: trustme.CA | None = None) -> Dialer:
    """A TLS dialer of `port`, trusting `ca`, by default a CA of its own that no server here has a certificate of."""
    (ca or trustme.CA()).cert_pem.write_to_path(tmp_path / "ca.pem")
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


def test_a_record_without_data_is_nothing_read_and_the_servers_close_notify_is_its_close(tmp_path):
    """TLS 1.3 session tickets make the client's socket readable after the handshake: what the graceful stop's
    clients wait on must let them go by, not take them for the server's close (nor block on them)."""
    ca = trustme.CA()
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1").configure_cert(server_context)
    closing = threading.Event()
    with socket.create_server(("127.0.0.1", 0)) as listener:

        def serve() -> None:
            with server_context.wrap_socket(listener.accept()[0], server_side=True) as server:
                closing.wait(5)
                server.setblocking(False)
                try:
                    server.unwrap()  # close_notify
                except ssl.SSLWantReadError:
                    pass  # the client's is not there yet

        threading.Thread(target=serve, daemon=True).start()
        client = _tls_dialer(tmp_path, listener.getsockname()[1], ca).connect(5)
        try:
            assert select.select([client], [], [], 1)[0], "the session tickets came"
            assert next_bytes(client, 0.1) is None
            closing.set()
            assert next_bytes(client, 5) == b""
        finally:
            close(client)


def test_held_clients_make_their_handshakes_side_by_side_so_a_server_that_makes_one_holds_them_up_once(tmp_path):
    """A server that makes one handshake, then serves that connection only: the other clients' handshakes all time
    out within one timeout, not one after another."""
    ca = trustme.CA()
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1").configure_cert(server_context)
    with socket.create_server(("127.0.0.1", 0)) as listener:

        def serve_one() -> None:
            with server_context.wrap_socket(listener.accept()[0], server_side=True) as server:
                server.recv(65536)
                server.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
                server.recv(65536)  # until the client leaves

        threading.Thread(target=serve_one, daemon=True).start()
        started = time.monotonic()
        clients = idle_keep_alive(_tls_dialer(tmp_path, listener.getsockname()[1], ca), "/", TIMEOUT, count=4)
        took = time.monotonic() - started
        for client in clients:
            close(client)
    assert len(clients) == 1 and took < 2 * TIMEOUT, f"{len(clients)} clients in {took:.2f} s"
