"""Saved captures read back as frames: ours with comments, other tools' pcaps of any common link type, and bad files."""

import subprocess
import sys

import pytest
from crafted import REQUEST_DATA, SERVER_FIN, exchange
from scapy.layers.l2 import CookedLinux, CookedLinuxV2, Ether, Loopback
from scapy.utils import wrpcap

from wirecheck._cli import show as main
from wirecheck.capture import _pcapng_writer as pcapng
from wirecheck.capture._pcapng_reader import CaptureFileError, read
from wirecheck.model._frames import decode_all

COMMENTS = {REQUEST_DATA: ["request: GET /hello HTTP/1.1", "second note"], SERVER_FIN: ["server FIN"]}


def written_by_scapy(path, frames, link):
    """`frames` as another tool would save them: each IP packet under link layer `link` (None: raw IP)."""
    packets = []
    for frame in frames:
        ip = Ether(frame.data).payload
        packet = ip if link is None else link() / ip
        packet.time = frame.time
        packets.append(packet)
    wrpcap(str(path), packets, linktype=101 if link is None else None)
    return path


def test_our_pcapng_comes_back_with_the_same_frames_and_its_comments(tmp_path):
    frames = exchange()
    pcapng.write(tmp_path / "a.pcapng", frames, COMMENTS)
    saved = read(tmp_path / "a.pcapng")
    assert [frame.data for frame in saved.frames] == [frame.data for frame in frames]
    assert all(abs(back.time - frame.time) < 1e-6 for back, frame in zip(saved.frames, frames, strict=True))
    assert saved.comments == COMMENTS
    assert saved.incomplete is None


@pytest.mark.parametrize("link", [Ether, CookedLinux, CookedLinuxV2, Loopback, None],
                         ids=["ethernet", "linux-cooked", "linux-cooked-v2", "bsd-loopback", "raw-ip"])
def test_a_pcap_of_any_common_link_type_decodes_to_the_same_segments(tmp_path, link):
    frames = exchange()
    saved = read(written_by_scapy(tmp_path / "a.pcap", frames, link))
    assert saved.comments == {} and saved.incomplete is None
    assert decode_all(saved.frames) == decode_all(frames)


def test_a_file_cut_inside_a_record_is_said_to_be_incomplete(tmp_path):
    pcapng.write(tmp_path / "a.pcapng", exchange(), {})
    whole = (tmp_path / "a.pcapng").read_bytes()
    (tmp_path / "cut.pcapng").write_bytes(whole[:-30])
    assert "ends in the middle of a record" in read(tmp_path / "cut.pcapng").incomplete


def test_a_frame_shorter_than_on_the_wire_is_said_to_be_cut_by_the_snap_length(tmp_path):
    frames = exchange()
    path = written_by_scapy(tmp_path / "a.pcap", frames, Ether)
    data = bytearray(path.read_bytes())
    record = 24  # the first record's header: caplen at +8, wirelen at +12 (little-endian)
    data[record + 12:record + 16] = (len(frames[0].data) + 100).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    assert "1 frames were cut short" in read(path).incomplete


@pytest.mark.parametrize("content", [None, b"", b"not a capture at all\n"], ids=["missing", "empty", "text"])
def test_a_missing_or_non_capture_file_is_one_error(tmp_path, content):
    path = tmp_path / "x.pcap"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(CaptureFileError, match="no such file" if content is None else "not a pcap or pcapng"):
        read(path)


def test_show_draws_each_connection_of_a_foreign_pcap_with_the_syn_sender_as_client(tmp_path, capsys):
    path = written_by_scapy(tmp_path / "a.pcap", exchange() + exchange(client_port=50000), CookedLinux)
    assert main([str(path)]) == 0
    out = capsys.readouterr().out
    assert "16 frames, 2 TCP connections" in out
    assert "127.0.0.1:43210 -> 127.0.0.1:8080" in out and "127.0.0.1:50000 -> 127.0.0.1:8080" in out
    assert out.count('C -> S  [PA]  seq=1 ack=1 len=') == 2


def test_show_puts_our_comments_beside_their_frames(tmp_path, capsys):
    pcapng.write(tmp_path / "a.pcapng", exchange(), COMMENTS)
    assert main([str(tmp_path / "a.pcapng")]) == 0
    fin_line = next(line for line in capsys.readouterr().out.splitlines() if "[FA]" in line and "S -> C" in line)
    assert fin_line.endswith("<- server FIN")


def test_show_into_a_pipe_whose_reader_has_gone_ends_quietly(tmp_path):
    pcapng.write(tmp_path / "a.pcapng", exchange(), COMMENTS)
    show = subprocess.Popen([sys.executable, "-m", "wirecheck", "show", str(tmp_path / "a.pcapng")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    show.stdout.close()  # as `| head` does once it has its lines; here before the first
    _, errors = show.communicate(timeout=30)
    assert (show.returncode, errors) == (1, b"")


@pytest.mark.parametrize("content", [None, b"GET / HTTP/1.1\r\n"], ids=["missing", "not-a-capture"])
def test_show_says_what_is_wrong_in_one_line_and_exits_2(tmp_path, capsys, content):
    path = tmp_path / "x.pcapng"
    if content is not None:
        path.write_bytes(content)
    assert main([str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("wirecheck show: ") and captured.err.count("\n") == 1


@pytest.mark.parametrize("written", ["ours", "scapy's pcap"])
def test_a_loopback_frame_longer_than_65535_bytes_comes_back_whole(tmp_path, written):
    """Loopback's MTU lets a segment fill an IP packet: 65549 bytes with its Ethernet header."""
    frames = exchange(response=b"x" * (65535 - 40))
    path = tmp_path / "a.pcapng"
    if written == "ours":
        pcapng.write(path, frames, {})
    else:
        path = written_by_scapy(tmp_path / "a.pcap", frames, Ether)
    saved = read(path)
    assert max(len(frame.data) for frame in saved.frames) == 65549
    # past the addresses, which scapy's writer fills in
    assert [frame.data[12:] for frame in saved.frames] == [frame.data[12:] for frame in frames]
    assert not saved.truncated
