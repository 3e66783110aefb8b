"""Every article server's connections open with SYN, SYN-ACK, ACK and nothing before them."""

import socket
from pathlib import Path

import pytest
from expectations import ARTICLE_VARIANTS, TARGET

from wirecheck import checks
from wirecheck.clients._requests import request_bytes
from wirecheck.server._ports import EPHEMERAL_RANGE


@pytest.mark.parametrize("variant", ARTICLE_VARIANTS)
def test_syn_then_syn_ack_then_ack_open_the_connection(wire, variant):
    server = wire.serve(variant)
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as client:
        client.sendall(request_bytes(TARGET, "127.0.0.1", server.port))
        client.recv(1)  # answered; not every variant closes, so do not wait for the end
    connection, = wire.connections(1)
    wire.expect(checks.handshake(connection))
    client_port, server_port = connection.client[1], connection.server[1]
    low, high = map(int, Path(EPHEMERAL_RANGE).read_text().split())
    assert server_port == server.port, f"expected the server's port {server.port}, the SYN went to {server_port}"
    assert low <= client_port <= high, f"expected an ephemeral client port in {low}-{high}, got {client_port}"
    assert wire.observe().segments[0] is connection.syn, "expected nothing on the wire before the SYN"
