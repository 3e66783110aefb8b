"""The kernel's sockets on a port through sock_diag: address, ports, queue, inode and send buffer, by state, IPv4
and IPv6."""

import os
import socket

from wirecheck.server import _sock_diag as sock_diag
from wirecheck.server._waiting import wait_until


def test_a_listening_socket_is_found_with_its_address_inode_backlog_and_the_connections_waiting_in_its_queue():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(4)
        port = server.getsockname()[1]
        inode = os.fstat(server.fileno()).st_ino
        listener, = sock_diag.listeners(port)
        assert (listener.address, listener.port, listener.peer_port, listener.queue, listener.inode,
                listener.backlog) == ("127.0.0.1", port, 0, 0, inode, 4)
        with socket.create_connection(("127.0.0.1", port)), socket.create_connection(("127.0.0.1", port)):
            listener, = sock_diag.listeners(port)
            assert listener.queue == 2


def test_an_ipv6_listener_is_found_and_a_port_nobody_listens_on_has_none():
    with socket.socket(socket.AF_INET6) as server:
        server.bind(("::1", 0))
        server.listen()
        port = server.getsockname()[1]
        assert [listener.address for listener in sock_diag.listeners(port)] == ["::1"]
    assert sock_diag.listeners(port) == []


def test_a_connection_the_client_closed_first_is_found_in_close_wait_with_the_clients_port_and_its_inode():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port)) as client:
            accepted, (_, client_port) = server.accept()
            with accepted:
                accepted_inode = os.fstat(accepted.fileno()).st_ino
                assert [(s.address, s.port, s.peer_port, s.queue, s.inode) for s in sock_diag.sockets(
                    port, *sock_diag.CONNECTED)] == [("127.0.0.1", port, client_port, 0, accepted_inode)]
                assert sock_diag.sockets(port, sock_diag.TCP_CLOSE_WAIT) == []
                client.close()
                stuck = wait_until(lambda: sock_diag.sockets(port, sock_diag.TCP_CLOSE_WAIT), 1.0)
                assert [(s.port, s.peer_port, s.inode) for s in stuck] == [(port, client_port, accepted_inode)]


def test_a_socket_whose_peer_reads_nothing_fills_its_send_buffer_and_says_so():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port)):
            accepted, _ = server.accept()
            with accepted:
                fresh, = sock_diag.sockets(port, *sock_diag.CONNECTED)
                assert fresh.send_buffer > 0 and fresh.send_queued == 0 and not fresh.send_full
                accepted.setblocking(False)
                try:
                    while True:
                        accepted.send(bytes(65536))
                except BlockingIOError:
                    pass  # the client's window and this socket's buffer are full
                full, = sock_diag.sockets(port, *sock_diag.CONNECTED)
                assert full.send_queued >= full.send_buffer and full.send_full
