"""Group TCP segments into connections and tell each connection's story.

Theory of operation. Segments belong together by socket pair, both directions in one connection; a new SYN on a
pair whose SYN had another sequence number starts a new connection (ports are reused). The client is the side that
sent the SYN; without a SYN it is the side that is not the server's port, or failing that the first sender.

Each side is reassembled from sequence numbers relative to its initial sequence number, so duplicates and
retransmissions add no bytes; bytes after a hole are left out and the hole is recorded. The connection's fate is
summed up in Zeek's words (``STATES``) and its events in Zeek's history letters: s SYN, h SYN-ACK, a pure ACK, d
data, f FIN, r RST, t retransmitted data, g a hole in the data; upper case for the client.
"""

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from wirecheck.model._frames import ACK, FIN, RST, SYN, Segment, seq_distance, seq_plus
from wirecheck.model._http import HttpRequest, HttpResponse, Messages, requests_in, responses_in
from wirecheck.model._reassembly import reassemble

if TYPE_CHECKING:
    from scapy.packet import Packet

    from wirecheck.model._tls import Tls
    from wirecheck.model._tls_keys import KeyLog
    from wirecheck.model._tls_stream import TlsStream

# Zeek's conn_state vocabulary; "client" is Zeek's originator, "server" its responder.
STATES = {
    "S0": "SYN seen, no reply",
    "S1": "established, not closed",
    "SF": "established, closed by both sides",
    "REJ": "SYN answered by RST",
    "S2": "established, client sent FIN, server did not",
    "S3": "established, server sent FIN, client did not",
    "RSTO": "established, client reset it",
    "RSTR": "established, server reset it",
    "RSTOS0": "client sent SYN then RST, no SYN-ACK",
    "RSTRH": "server sent SYN-ACK then RST, no SYN seen",
    "SH": "client sent SYN then FIN, no SYN-ACK",
    "SHR": "server sent SYN-ACK then FIN, no SYN seen",
    "OTH": "no SYN seen: the capture began mid-connection",
}


@dataclass
class Side:
    """One direction of a connection: what one endpoint sent."""

    segments: list[Segment] = field(default_factory=list)
    initial_seq: int | None = None
    data: bytes = b""
    first_data: Segment | None = None
    last_data: Segment | None = None  # the segment that carried the last new byte
    fin: Segment | None = None
    rst: Segment | None = None
    retransmissions: int = 0
    gap: bool = False

    def offset(self, seq: int) -> int:
        """Position of `seq` in this side's byte stream (0 is the first data byte)."""
        assert self.initial_seq is not None, "no segment of this side was added yet"
        return seq_distance(seq_plus(self.initial_seq, 1), seq)

    def bytes_before(self, index: int) -> int:
        """How many bytes of this side's stream the frames before frame `index` had carried (TlsStream's too)."""
        return max((self.offset(s.seq) + len(s.payload) for s in self.segments if s.payload and s.index < index),
                   default=0)

    @property
    def ending(self) -> Segment | None:
        """This side's first FIN or RST: where it stopped sending."""
        return _earliest(self.fin, self.rst)

    @property
    def reset(self) -> bool:
        """Whether this side ended with RST (before any FIN of its own)."""
        return self.rst is not None and self.ending is self.rst


@dataclass
class Connection:
    """One TCP connection between a client and the server, in capture order."""

    client: tuple[str, int]
    server: tuple[str, int]
    segments: list[Segment] = field(default_factory=list)
    sent_by_client: Side = field(default_factory=Side)
    sent_by_server: Side = field(default_factory=Side)
    syn: Segment | None = None
    syn_ack: Segment | None = None
    handshake_ack: Segment | None = None
    history: str = ""
    tls: "Tls | None" = field(default=None, repr=False)  # its TLS, read with the key log; None for plain TCP

    def from_client(self, segment: Segment) -> bool:
        return (segment.src, segment.sport) == self.client

    @property
    def established(self) -> bool:
        return self.syn is not None and self.syn_ack is not None

    @property
    def state(self) -> str:
        """The connection's fate in one of Zeek's words (see STATES)."""
        client, server = self.sent_by_client, self.sent_by_server
        reset_by = _first_sender(client.rst, server.rst)
        if self.syn is None:
            if self.syn_ack is not None and server.rst:
                return "RSTRH"
            return "SHR" if self.syn_ack is not None and server.fin else "OTH"
        if self.syn_ack is None:
            if server.rst:
                return "REJ"
            if client.rst:
                return "RSTOS0"
            return "SH" if client.fin else "S0"
        if reset_by:
            return "RSTO" if reset_by == "client" else "RSTR"
        return {(True, True): "SF", (True, False): "S2", (False, True): "S3", (False, False): "S1"}[
            (client.fin is not None, server.fin is not None)]

    def close_begun(self, from_client: bool) -> Segment | None:
        """Where one side began to close: its first FIN or RST or, over TLS, its close_notify when that came first
        (RFC 8446 §6.1: a side closes with it, and may hold its FIN until the peer's close_notify answers)."""
        side = self.sent_by_client if from_client else self.sent_by_server
        close_notify = self.tls.close_notify(from_client) if self.tls is not None else None
        return _earliest(side.ending, close_notify.completed_by if close_notify else None)

    @property
    def first_closer(self) -> str | None:
        """"client" or "server": who began to close first (close_begun); None if nobody closed."""
        return _first_sender(self.close_begun(True), self.close_begun(False))

    @property
    def closing(self) -> Segment | None:
        """The connection's first FIN or RST, from either side."""
        return _earliest(self.sent_by_client.ending, self.sent_by_server.ending)

    def stream(self, from_client: bool) -> "Side | TlsStream":
        """What carries HTTP from one side: the side itself, or a decrypted TLS connection's plaintext (TlsStream)."""
        if self.tls is not None and self.tls.decrypted:
            return self.tls.stream(from_client)
        return self.sent_by_client if from_client else self.sent_by_server

    @cached_property
    def requests(self) -> Messages[HttpRequest]:
        """The client's requests, parsed once, as far as a check asks (read after the connection is whole)."""
        return requests_in(self.stream(True).data)

    @cached_property
    def responses(self) -> Messages[HttpResponse]:
        """The server's responses, parsed once: a close-delimited body ends at the server's FIN; each answers the
        client's request in its place (a response to HEAD has no body)."""
        methods = [request.method for request in self.requests.readable()]
        return responses_in(self.stream(False).data, self.sent_by_server.fin is not None, methods)

    @cached_property
    def packets(self) -> list["Packet"]:
        """The connection's frames as scapy packets (`Ether` and up), one per segment, in capture order, each with
        its capture time as `.time`. Dissected on first use only: scapy dissects a few thousand frames a second,
        the suite's own analysis never needs it."""
        from scapy.layers.l2 import Ether  # imported here: the analysis path does without scapy's dissectors

        packets: list[Packet] = []
        for segment in self.segments:
            packet = Ether(segment.frame)
            packet.time = segment.time
            packets.append(packet)
        return packets


def _earliest(*segments: Segment | None) -> Segment | None:
    return min((s for s in segments if s is not None), key=lambda s: s.index, default=None)


def _first_sender(by_client: Segment | None, by_server: Segment | None) -> str | None:
    candidates = [(s.index, name) for s, name in ((by_client, "client"), (by_server, "server")) if s]
    return min(candidates)[1] if candidates else None


def connections(segments: list[Segment], server_port: int | None = None,
                keylog: "KeyLog | None" = None) -> list[Connection]:
    """The connections in `segments`, ordered by their first segment; TLS ones read with `keylog`'s secrets."""
    from wirecheck.model._tls import tls_of  # imported here: the TLS analysis imports this module
    open_by_pair: dict[frozenset[tuple[str, int]], Connection] = {}
    found: list[Connection] = []
    for segment in segments:
        pair = frozenset(((segment.src, segment.sport), (segment.dst, segment.dport)))
        connection = open_by_pair.get(pair)
        if connection is None or _starts_anew(connection, segment):
            connection = _new_connection(segment, server_port)
            open_by_pair[pair] = connection
            found.append(connection)
        _add(connection, segment)
    for connection in found:
        for side, from_client in ((connection.sent_by_client, True), (connection.sent_by_server, False)):
            reassemble(side)
            _add_history(connection, from_client, "t" * bool(side.retransmissions) + "g" * side.gap)
        connection.tls = tls_of(connection, keylog)
    return found


def _starts_anew(connection: Connection, segment: Segment) -> bool:
    is_syn = segment.flags & (SYN | ACK) == SYN
    return is_syn and connection.syn is not None and segment.seq != connection.syn.seq


def _new_connection(segment: Segment, server_port: int | None) -> Connection:
    source, destination = (segment.src, segment.sport), (segment.dst, segment.dport)
    if segment.flags & (SYN | ACK) == SYN:
        client_is_source = True
    elif segment.flags & (SYN | ACK) == SYN | ACK:
        client_is_source = False
    elif server_port is not None:
        client_is_source = segment.sport != server_port
    else:
        client_is_source = True
    client, server = (source, destination) if client_is_source else (destination, source)
    return Connection(client=client, server=server)


def _add(connection: Connection, segment: Segment) -> None:
    connection.segments.append(segment)
    from_client = connection.from_client(segment)
    side = connection.sent_by_client if from_client else connection.sent_by_server
    side.segments.append(segment)
    if segment.has(SYN):
        if from_client and not segment.has(ACK) and connection.syn is None:
            connection.syn = segment
        elif not from_client and segment.has(ACK) and connection.syn_ack is None:
            connection.syn_ack = segment
        if side.initial_seq is None:
            side.initial_seq = segment.seq
    elif (from_client and connection.syn_ack is not None and connection.handshake_ack is None
          and segment.has(ACK) and segment.ack == seq_plus(connection.syn_ack.seq, 1)):
        connection.handshake_ack = segment
    if side.initial_seq is None:  # no SYN seen: count from the first byte we saw
        side.initial_seq = seq_plus(segment.seq, -1)
    if segment.has(FIN) and side.fin is None:
        side.fin = segment
    if segment.has(RST) and side.rst is None:
        side.rst = segment
    _record_history(connection, segment, from_client)


def _record_history(connection: Connection, segment: Segment, from_client: bool) -> None:
    letters = []
    if segment.has(SYN):
        letters.append("h" if segment.has(ACK) else "s")
    elif segment.payload:
        letters.append("d")
    elif segment.flags == ACK:
        letters.append("a")
    if segment.has(FIN):
        letters.append("f")
    if segment.has(RST):
        letters.append("r")
    _add_history(connection, from_client, "".join(letters))


def _add_history(connection: Connection, from_client: bool, letters: str) -> None:
    """Zeek's history: each event's letter once, at its first occurrence; client in upper case."""
    for letter in letters:
        letter = letter.upper() if from_client else letter
        if letter not in connection.history:
            connection.history += letter
