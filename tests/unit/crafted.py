"""Crafted loopback frames for the unit tests: a curl-like GET exchange that tests can cut, copy and reorder."""

from collections.abc import Sequence
from dataclasses import dataclass

from scapy.layers.inet import IP, TCP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import Ether

from wirecheck.model._flows import Connection, connections
from wirecheck.model._frames import Frame, decode_all

T0 = 1_700_000_000.0
ZERO_MAC = "00:00:00:00:00:00"  # loopback frames carry a zeroed Ethernet header
SERVER_PORT = 8080
CLIENT_PORT = 43210
REQUEST = b"GET /hello HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n"
BODY = b"Hello, World!\n"
RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 14\r\n\r\n" + BODY

# Positions of the frames returned by Talk.frames(), and their default times after the start.
SYN, SYN_ACK, HANDSHAKE_ACK, REQUEST_DATA, RESPONSE_DATA, SERVER_FIN, CLIENT_FIN, LAST_ACK = range(8)
NORMAL_OFFSETS = (0.0, 0.00003, 0.00006, 0.0002, 0.0005, 0.0006, 0.0008, 0.0009)


def tcp_frame(time: float, src: tuple[str, int], dst: tuple[str, int], flags: str, seq: int, ack: int = 0,
              payload: bytes = b"") -> Frame:
    """One Ethernet/IP/TCP frame as the capture would hold it; IPv6 when the addresses are."""
    (src_ip, sport), (dst_ip, dport) = src, dst
    ip = IPv6(src=src_ip, dst=dst_ip) if ":" in src_ip else IP(src=src_ip, dst=dst_ip)
    packet = Ether(src=ZERO_MAC, dst=ZERO_MAC) / ip / TCP(sport=sport, dport=dport, flags=flags,
                                                          seq=seq % (1 << 32), ack=ack % (1 << 32))
    if payload:
        packet = packet / payload
    return Frame(time, bytes(packet))


@dataclass(frozen=True)
class Talk:
    """One client's conversation with the server; sequence numbers in its methods count from each side's SYN."""

    client_port: int = CLIENT_PORT
    client_isn: int = 1000
    server_isn: int = 7_000_000
    request: bytes = REQUEST
    response: bytes = RESPONSE
    host: str = "127.0.0.1"
    server_port: int = SERVER_PORT

    @property
    def client(self) -> tuple[str, int]:
        return self.host, self.client_port

    @property
    def server(self) -> tuple[str, int]:
        return self.host, self.server_port

    def by_client(self, time: float, flags: str, seq: int, ack: int | None = None, payload: bytes = b"") -> Frame:
        raw_ack = 0 if ack is None else self.server_isn + ack
        return tcp_frame(time, self.client, self.server, flags, self.client_isn + seq, raw_ack, payload)

    def by_server(self, time: float, flags: str, seq: int, ack: int | None = None, payload: bytes = b"") -> Frame:
        raw_ack = 0 if ack is None else self.client_isn + ack
        return tcp_frame(time, self.server, self.client, flags, self.server_isn + seq, raw_ack, payload)

    @property
    def request_end(self) -> int:
        return 1 + len(self.request)

    @property
    def response_end(self) -> int:
        return 1 + len(self.response)

    def syn(self, time: float) -> Frame:
        return self.by_client(time, "S", 0)

    def syn_ack(self, time: float) -> Frame:
        return self.by_server(time, "SA", 0, 1)

    def handshake_ack(self, time: float) -> Frame:
        return self.by_client(time, "A", 1, 1)

    def request_data(self, time: float, payload: bytes | None = None, at: int = 0) -> Frame:
        """The request (or `payload`) starting `at` bytes into the client's stream."""
        return self.by_client(time, "PA", 1 + at, 1, self.request if payload is None else payload)

    def response_data(self, time: float, payload: bytes | None = None, at: int = 0) -> Frame:
        """The response (or `payload`) starting `at` bytes into the server's stream."""
        return self.by_server(time, "PA", 1 + at, self.request_end, self.response if payload is None else payload)

    def server_fin(self, time: float, after_client_fin: bool = False) -> Frame:
        return self.by_server(time, "FA", self.response_end, self.request_end + after_client_fin)

    def server_rst(self, time: float) -> Frame:
        return self.by_server(time, "RA", self.response_end, self.request_end)

    def client_fin(self, time: float, after_server_fin: bool = True) -> Frame:
        return self.by_client(time, "FA", self.request_end, self.response_end + after_server_fin)

    def client_rst(self, time: float) -> Frame:
        return self.by_client(time, "RA", self.request_end, self.response_end)

    def server_ack_of_client_fin(self, time: float, after_server_fin: bool = False) -> Frame:
        return self.by_server(time, "A", self.response_end + after_server_fin, self.request_end + 1)

    def last_ack(self, time: float) -> Frame:
        """The server's ACK of the client's FIN, which answered the server's FIN."""
        return self.server_ack_of_client_fin(time, after_server_fin=True)

    def frames(self, start: float = T0, offsets: Sequence[float] = NORMAL_OFFSETS) -> list[Frame]:
        """The normal exchange: handshake, request, response, server FIN, client FIN, last ACK."""
        times = [start + offset for offset in offsets]
        return [self.syn(times[0]), self.syn_ack(times[1]), self.handshake_ack(times[2]),
                self.request_data(times[3]), self.response_data(times[4]), self.server_fin(times[5]),
                self.client_fin(times[6]), self.last_ack(times[7])]


def exchange(start: float = T0, offsets: Sequence[float] = NORMAL_OFFSETS, **talk) -> list[Frame]:
    """The frames of a normal exchange of `Talk(**talk)`."""
    return Talk(**talk).frames(start, offsets)


def duplicated(frames: Sequence[Frame]) -> list[Frame]:
    """Every frame twice in a row, as a raw loopback socket sees the outgoing and the incoming copy."""
    return [copy for frame in frames for copy in (frame, frame)]


def analyse(frames: Sequence[Frame], server_port: int | None = SERVER_PORT) -> list[Connection]:
    return connections(decode_all(list(frames)), server_port)


def only_connection(frames: Sequence[Frame], server_port: int | None = SERVER_PORT) -> Connection:
    found = analyse(frames, server_port)
    assert len(found) == 1, f"expected one connection, found {len(found)}"
    return found[0]
