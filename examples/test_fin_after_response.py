"""Checks of one's own server, written against wirecheck's public API: the FIN comes within 50 ms after the response.

    sudo pytest examples/test_fin_after_response.py
    EXAMPLE_SERVER='./my-server --port {port}' sudo pytest examples/test_fin_after_response.py

The first test asks wirecheck's own check (a verdict, drawn as a ladder when it fails);
the second reads the same from scapy packets. The server defaults to Python's http.server.
Typed with the public API's names, as `mypy --strict` checks it (bin/typecheck).
"""

import os
import shlex
import socket
import sys

from scapy.layers.inet import TCP

from wirecheck import Connection, Wire, checks

SERVER = os.environ.get("EXAMPLE_SERVER", f"{sys.executable} -m http.server {{port}} --bind 127.0.0.1")
FIN_WITHIN = 0.050  # seconds from the last response byte to the server's FIN
REQUEST = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
REQUEST_TIMEOUT = 5.0


def _one_exchange(wire: Wire) -> Connection:
    """Serve SERVER, GET / once, read until the server closes (so the client never closes first), and return
    the one connection the capture saw."""
    session = wire.serve_command(shlex.split(SERVER))
    with socket.create_connection(("127.0.0.1", session.port), timeout=REQUEST_TIMEOUT) as client:
        client.sendall(REQUEST)
        while client.recv(65536):
            pass
    connection, = wire.connections(1)
    return connection


def test_the_server_closes_with_fin_within_50_ms_of_its_response(wire: Wire) -> None:
    connection = _one_exchange(wire)
    wire.expect(checks.server_closes(connection, within=FIN_WITHIN))


def test_the_same_from_scapy_packets(wire: Wire) -> None:
    connection = _one_exchange(wire)
    server_port = connection.server[1]
    from_server = [pkt for pkt in connection.packets if pkt[TCP].sport == server_port]
    last_data = [pkt for pkt in from_server if len(pkt[TCP].payload)][-1]
    fin = next(pkt for pkt in from_server if pkt[TCP].flags.F)
    assert fin[TCP].flags == "FA", f"the server closed with {fin[TCP].flags}"
    gap = float(fin.time) - float(last_data.time)  # scapy's packet times are floats or its EDecimals
    assert gap <= FIN_WITHIN, f"FIN {gap:.3f} s after the response"
