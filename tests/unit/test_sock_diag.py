"""The kernel's listening sockets through sock_diag: address, port, accept queue and inode, IPv4 and IPv6."""

import os
import socket

from wirecheck import sock_diag


def test_a_listening_socket_is_found_with_its_address_its_inode_and_the_connections_waiting_in_its_queue():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(4)
        port = server.getsockname()[1]
        assert sock_diag.listeners(port) == [sock_diag.Listener("127.0.0.1", port, 0, os.fstat(server.fileno()).st_ino)]
        with socket.create_connection(("127.0.0.1", port)), socket.create_connection(("127.0.0.1", port)):
            listener, = sock_diag.listeners(port)
            assert listener.accept_queue == 2


def test_an_ipv6_listener_is_found_and_a_port_nobody_listens_on_has_none():
    with socket.socket(socket.AF_INET6) as server:
        server.bind(("::1", 0))
        server.listen()
        port = server.getsockname()[1]
        assert [listener.address for listener in sock_diag.listeners(port)] == ["::1"]
    assert sock_diag.listeners(port) == []
