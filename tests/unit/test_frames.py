"""Decoding raw loopback frames into TCP segments: addresses, numbers, flags, payload, and what is not TCP."""

import pytest
from crafted import T0, ZERO_MAC, tcp_frame
from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import ARP, Ether

from wirecheck.model._frames import ACK, FIN, PSH, RST, SYN, Frame, decode, decode_all

CLIENT, SERVER = ("127.0.0.1", 43210), ("127.0.0.1", 8080)


def test_ipv4_frame_gives_addresses_ports_numbers_flags_and_payload():
    segment = decode(7, tcp_frame(T0, CLIENT, SERVER, "PA", seq=1001, ack=2002, payload=b"GET / HTTP/1.1\r\n\r\n"))
    assert (segment.index, segment.time) == (7, T0)
    assert (segment.src, segment.sport, segment.dst, segment.dport) == ("127.0.0.1", 43210, "127.0.0.1", 8080)
    assert (segment.seq, segment.ack) == (1001, 2002)
    assert segment.flags == PSH | ACK
    assert segment.payload == b"GET / HTTP/1.1\r\n\r\n"


def test_ipv6_frame_gives_addresses_ports_numbers_flags_and_payload():
    segment = decode(0, tcp_frame(T0, ("::1", 8080), ("::1", 50000), "PA", seq=5, ack=6, payload=b"HTTP/1.1 200"))
    assert (segment.src, segment.sport, segment.dst, segment.dport) == ("::1", 8080, "::1", 50000)
    assert (segment.seq, segment.ack, segment.flags) == (5, 6, PSH | ACK)
    assert segment.payload == b"HTTP/1.1 200"


def test_full_32_bit_sequence_and_ack_numbers_are_kept():
    segment = decode(0, tcp_frame(T0, CLIENT, SERVER, "A", seq=2**32 - 1, ack=2**31))
    assert (segment.seq, segment.ack) == (2**32 - 1, 2**31)


@pytest.mark.parametrize(("flags", "text"), [("S", "S"), ("SA", "SA"), ("FA", "FA"), ("PA", "PA"), ("R", "R"),
                                             ("RA", "RA"), ("FPA", "FPA"), ("A", "A")])
def test_flag_text_uses_tcpdump_letters_in_s_f_r_p_a_order(flags, text):
    assert decode(0, tcp_frame(T0, CLIENT, SERVER, flags, seq=1)).flag_text == text


def test_has_requires_every_asked_flag():
    segment = decode(0, tcp_frame(T0, SERVER, CLIENT, "SA", seq=1, ack=2))
    assert segment.has(SYN) and segment.has(ACK) and segment.has(SYN | ACK)
    assert not segment.has(SYN | FIN) and not segment.has(RST)


def test_tcp_options_are_not_part_of_the_payload():
    packet = (Ether(src=ZERO_MAC, dst=ZERO_MAC) / IP(src="127.0.0.1", dst="127.0.0.1")
              / TCP(sport=1, dport=2, flags="PA", options=[("MSS", 65495), ("NOP", None), ("NOP", None),
                                                            ("Timestamp", (1, 2))]) / b"data")
    assert decode(0, Frame(T0, bytes(packet))).payload == b"data"


def test_ipv4_header_options_are_skipped():
    packet = (Ether(src=ZERO_MAC, dst=ZERO_MAC) / IP(src="127.0.0.1", dst="127.0.0.1", options=b"\x01\x01\x01\x00")
              / TCP(sport=1, dport=2, flags="PA", seq=9) / b"data")
    segment = decode(0, Frame(T0, bytes(packet)))
    assert (segment.sport, segment.dport, segment.seq, segment.payload) == (1, 2, 9, b"data")


def test_arp_frame_gives_none():
    assert decode(0, Frame(T0, bytes(Ether(src=ZERO_MAC, dst="ff:ff:ff:ff:ff:ff") / ARP()))) is None


def test_udp_frames_give_none_over_ipv4_and_ipv6():
    udp4 = Ether(src=ZERO_MAC, dst=ZERO_MAC) / IP(src="127.0.0.1", dst="127.0.0.1") / UDP(sport=1, dport=2) / b"x"
    udp6 = Ether(src=ZERO_MAC, dst=ZERO_MAC) / IPv6(src="::1", dst="::1") / UDP(sport=1, dport=2) / b"x"
    assert decode(0, Frame(T0, bytes(udp4))) is None
    assert decode(0, Frame(T0, bytes(udp6))) is None


@pytest.mark.parametrize("length", [0, 10, 13, 14, 30, 33, 40, 53])
def test_ipv4_frame_truncated_before_the_end_of_the_tcp_header_gives_none(length):
    data = tcp_frame(T0, CLIENT, SERVER, "S", seq=1).data
    assert decode(0, Frame(T0, data[:length])) is None


@pytest.mark.parametrize("length", [20, 53, 60, 73])
def test_ipv6_frame_truncated_before_the_end_of_the_tcp_header_gives_none(length):
    data = tcp_frame(T0, ("::1", 1), ("::1", 2), "S", seq=1).data
    assert decode(0, Frame(T0, data[:length])) is None


def test_ethernet_padding_beyond_the_ipv4_total_length_is_not_payload():
    data = tcp_frame(T0, CLIENT, SERVER, "PA", seq=1, payload=b"hi").data
    assert len(data) < 60
    padded = data + b"\xaa" * (60 - len(data))
    assert decode(0, Frame(T0, padded)).payload == b"hi"


def test_ethernet_padding_after_a_bare_ack_gives_an_empty_payload():
    data = tcp_frame(T0, CLIENT, SERVER, "A", seq=1, ack=1).data
    assert decode(0, Frame(T0, data + b"\0" * 6)).payload == b""


def test_trailing_bytes_beyond_the_ipv6_payload_length_are_not_payload():
    data = tcp_frame(T0, ("::1", 1), ("::1", 2), "PA", seq=1, payload=b"hi").data
    assert decode(0, Frame(T0, data + b"\xaa\xaa")).payload == b"hi"


def test_decode_all_skips_non_tcp_frames_and_keeps_each_frames_index():
    arp = Frame(T0, bytes(Ether(src=ZERO_MAC, dst="ff:ff:ff:ff:ff:ff") / ARP()))
    frames = [arp, tcp_frame(T0 + 1, CLIENT, SERVER, "S", seq=1), arp, tcp_frame(T0 + 2, SERVER, CLIENT, "SA", seq=9)]
    segments = decode_all(frames)
    assert [(segment.index, segment.time, segment.flag_text) for segment in segments] == [
        (1, T0 + 1, "S"), (3, T0 + 2, "SA")]
