"""Decode captured Ethernet frames into TCP segments, with struct and nothing else.

Loopback frames carry a zeroed Ethernet header, then IPv4 or IPv6, then TCP.
Decoding by hand runs at hundreds of thousands of frames a second where scapy's
dissection manages a few thousand; scapy still crafts the frames the unit tests use.
"""

import socket
import struct
from dataclasses import dataclass, field

FIN, SYN, RST, PSH, ACK, URG = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20
_FLAG_LETTERS = ((FIN, "F"), (SYN, "S"), (RST, "R"), (PSH, "P"), (ACK, "A"), (URG, "U"))

ETHERTYPE_IPV4, ETHERTYPE_IPV6 = 0x0800, 0x86DD
IPPROTO_TCP = 6
SEQUENCE_SPACE = 1 << 32
_ETHERNET = struct.Struct("!12xH")
_TCP = struct.Struct("!HHIIBBH")
_IPV4_ID = struct.Struct("!H")


@dataclass(frozen=True, slots=True)
class Frame:
    """One captured frame: its raw bytes and when the kernel saw it (seconds since the epoch)."""

    time: float
    data: bytes


@dataclass(frozen=True, slots=True)
class Segment:
    """The TCP facts of one frame; `index` is the frame's position in the capture."""

    index: int
    time: float
    src: str
    sport: int
    dst: str
    dport: int
    seq: int
    ack: int
    flags: int
    window: int
    payload: bytes
    frame: bytes = field(repr=False, compare=False)  # the whole frame, Ethernet and up (shared, not copied)

    def has(self, flags: int) -> bool:
        return self.flags & flags == flags

    @property
    def data_end(self) -> int:
        """The sequence number just past this segment's data (what an ACK of all of it carries, FIN aside)."""
        return seq_plus(self.seq, len(self.payload))

    @property
    def flag_text(self) -> str:
        """Flags as tcpdump-like letters in the order S, F, R, P, A: "S", "SA", "FA", "PA"."""
        order = "SFRPAU"
        letters = {letter for bit, letter in _FLAG_LETTERS if self.flags & bit}
        return "".join(letter for letter in order if letter in letters)


def seq_plus(seq: int, count: int) -> int:
    """The sequence number `count` after `seq` (TCP's numbers wrap at 2**32)."""
    return (seq + count) % SEQUENCE_SPACE


def seq_distance(start: int, end: int) -> int:
    """How far `end` lies ahead of `start`, going forward through the sequence space."""
    return (end - start) % SEQUENCE_SPACE


def seq_reached(seq: int, mark: int) -> bool:
    """Whether `seq` is at or past `mark`: less than half the space ahead of it (serial arithmetic, RFC 1982)."""
    return seq_distance(mark, seq) < SEQUENCE_SPACE // 2


def decode(index: int, frame: Frame) -> Segment | None:
    """The TCP segment in `frame`, or None for anything that is not TCP over IP."""
    data = frame.data
    if len(data) < 14:
        return None
    (ethertype,) = _ETHERNET.unpack_from(data)
    if ethertype == ETHERTYPE_IPV4:
        if len(data) < 34 or data[23] != IPPROTO_TCP:
            return None
        header_length = (data[14] & 0x0F) * 4
        total_length = struct.unpack_from("!H", data, 16)[0]
        src, dst = socket.inet_ntop(socket.AF_INET, data[26:30]), socket.inet_ntop(socket.AF_INET, data[30:34])
        tcp_start, ip_end = 14 + header_length, 14 + total_length
    elif ethertype == ETHERTYPE_IPV6:
        if len(data) < 54 or data[20] != IPPROTO_TCP:  # extension headers are not followed
            return None
        payload_length = struct.unpack_from("!H", data, 18)[0]
        src, dst = socket.inet_ntop(socket.AF_INET6, data[22:38]), socket.inet_ntop(socket.AF_INET6, data[38:54])
        tcp_start, ip_end = 54, 54 + payload_length
    else:
        return None
    if len(data) < tcp_start + 20:
        return None
    sport, dport, seq, ack, offset, flags, window = _TCP.unpack_from(data, tcp_start)
    payload = data[tcp_start + (offset >> 4) * 4 : ip_end]
    return Segment(index, frame.time, src, sport, dst, dport, seq, ack, flags, window, payload, data)


def ipv4_id(data: bytes) -> int | None:
    """The IPv4 identification field of a frame, None for anything else. Linux numbers a connected socket's frames
    from a counter of its own, and sends 0 in what it sends for no socket (a RST for a connection it no longer
    has, a TIME_WAIT's ACK)."""
    if len(data) < 20 or _ETHERNET.unpack_from(data)[0] != ETHERTYPE_IPV4:
        return None
    (identification,) = _IPV4_ID.unpack_from(data, 18)
    return int(identification)


def decode_all(frames: list[Frame]) -> list[Segment]:
    """Every TCP segment of the capture, keeping each frame's index for annotations."""
    segments = (decode(index, frame) for index, frame in enumerate(frames))
    return [segment for segment in segments if segment is not None]
