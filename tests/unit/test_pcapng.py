"""Saved pcapng captures read back by scapy (and tshark when installed) with the same frames, times and comments."""

import shutil
import struct
import subprocess

import pytest
from crafted import REQUEST_DATA, SERVER_FIN, T0, exchange
from scapy.utils import PcapNgReader

from wirecheck.capture import _pcapng_writer as pcapng
from wirecheck.model._frames import Frame

COMMENTS = {REQUEST_DATA: ["request: GET /hello HTTP/1.1", "second note"], SERVER_FIN: ["server FIN"]}


def read_back(path):
    reader = PcapNgReader(str(path))
    try:
        return reader, list(reader)
    finally:
        reader.close()


def test_read_back_has_the_same_number_of_packets_with_the_same_bytes(tmp_path):
    frames = exchange()
    pcapng.write(tmp_path / "a.pcapng", frames, COMMENTS)
    _, packets = read_back(tmp_path / "a.pcapng")
    assert [bytes(packet) for packet in packets] == [frame.data for frame in frames]
    assert [packet.wirelen for packet in packets] == [len(frame.data) for frame in frames]


def test_frames_of_lengths_not_a_multiple_of_four_come_back_unpadded(tmp_path):
    frames = [Frame(T0 + n, exchange()[0].data + b"x" * n) for n in range(5)]
    pcapng.write(tmp_path / "a.pcapng", frames, {})
    assert [bytes(packet) for packet in read_back(tmp_path / "a.pcapng")[1]] == [frame.data for frame in frames]


def test_timestamps_come_back_within_one_microsecond(tmp_path):
    frames = exchange(T0 + 0.1234567, offsets=(0.0, 0.0000004, 0.0000016, 0.0002, 0.5, 1.0, 1.7, 2.0000005))
    pcapng.write(tmp_path / "a.pcapng", frames, {})
    _, packets = read_back(tmp_path / "a.pcapng")
    assert all(abs(float(packet.time) - frame.time) <= 1e-6 for packet, frame in zip(packets, frames, strict=True))


def test_comments_are_on_the_annotated_frames_only(tmp_path):
    pcapng.write(tmp_path / "a.pcapng", exchange(), COMMENTS)
    _, packets = read_back(tmp_path / "a.pcapng")
    comments = {index: [c.decode() for c in packet.comments] for index, packet in enumerate(packets) if packet.comments}
    assert comments == COMMENTS


@pytest.mark.parametrize("text", ["x", "ab", "abc", "abcd", "server FIN → 1.000 s"])
def test_comments_of_any_length_and_utf8_come_back_whole(tmp_path, text):
    pcapng.write(tmp_path / "a.pcapng", exchange()[:2], {1: [text]})
    packets = read_back(tmp_path / "a.pcapng")[1]
    assert [bytes(packet) for packet in packets] == [frame.data for frame in exchange()[:2]]
    assert [comment.decode() for comment in packets[1].comments] == [text]


def test_interface_is_ethernet_named_lo_with_microsecond_resolution(tmp_path):
    pcapng.write(tmp_path / "a.pcapng", exchange(), {})
    reader, _ = read_back(tmp_path / "a.pcapng")
    assert len(reader.interfaces) == 1
    linktype, _snaplen, options = reader.interfaces[0]
    assert linktype == pcapng.LINKTYPE_ETHERNET == 1
    assert (options["name"], options["tsresol"]) == (b"lo", 1_000_000)


def test_file_starts_with_a_little_endian_section_header(tmp_path):
    pcapng.write(tmp_path / "a.pcapng", exchange(), {})
    block_type, _length, magic = struct.unpack_from("<III", (tmp_path / "a.pcapng").read_bytes())
    assert (block_type, magic) == (0x0A0D0D0A, 0x1A2B3C4D)


def test_no_partial_file_is_left_behind_and_parents_are_created(tmp_path):
    path = tmp_path / "captures" / "module" / "test.pcapng"
    pcapng.write(path, exchange(), COMMENTS)
    pcapng.write(path, exchange()[:3], {})  # overwriting replaces the file whole
    assert [entry.name for entry in path.parent.iterdir()] == ["test.pcapng"]
    assert len(read_back(path)[1]) == 3


def test_empty_capture_is_a_valid_file_without_packets(tmp_path):
    pcapng.write(tmp_path / "a.pcapng", [], {})
    reader, packets = read_back(tmp_path / "a.pcapng")
    assert packets == [] and len(reader.interfaces) == 1


@pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark is not installed")
def test_tshark_shows_the_comments_on_their_frames(tmp_path):
    pcapng.write(tmp_path / "a.pcapng", exchange(), COMMENTS)
    result = subprocess.run(["tshark", "-r", str(tmp_path / "a.pcapng"), "-T", "fields", "-e", "frame.comment"],
                            capture_output=True, text=True, timeout=60, check=True)
    shown = result.stdout.split("\n")[:len(exchange())]
    assert shown[REQUEST_DATA] == "request: GET /hello HTTP/1.1,second note"
    assert shown[SERVER_FIN] == "server FIN"
    assert [line for index, line in enumerate(shown) if index not in COMMENTS] == [""] * 6
