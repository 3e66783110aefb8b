"""A TLS connection drawn (render/_tls_labels.py): each frame labelled by the records it completes, in the text ladder,
the SVG and the HTML page; a saved capture's key log read back and used by `wirecheck show`. The sessions are real
(tests/unit/tls_talk.py), cut into crafted frames."""

import re
import xml.etree.ElementTree as ElementTree
from html import escape

from scapy.layers.l2 import Ether
from scapy.utils import wrpcap
from tls_talk import Wire, frames, session

from wirecheck._cli import show
from wirecheck.capture import _pcapng_writer as pcapng
from wirecheck.capture._pcapng_reader import read
from wirecheck.render._html_page import Page, Section, render
from wirecheck.render._ladder import ladder
from wirecheck.render._svg import ladder_svg
from wirecheck.render._tls_labels import RECORDS_CHARACTERS, joined

GET = 'Application Data "GET /hello HTTP/1.1"'
CLIENT_FINISHED, REQUEST = 2, 4  # flights of tls_talk's session, by their place
TLS13_FRAMES = [  # each data frame's label, one flight a frame
    "ClientHello", "ServerHello, ChangeCipherSpec, EncryptedExtensions, Certificate, CertificateVerify, Finished",
    "ChangeCipherSpec, Finished", "NewSessionTicket, NewSessionTicket", GET, 'Application Data "HTTP/1.1 200 OK"',
    "Alert close_notify", "Alert close_notify",
]


def data_labels(drawing: str) -> list[str]:
    """What the text ladder writes after each data frame's length."""
    return re.findall(r"len=\d+  (.*)$", drawing, re.MULTILINE)


def tls13(segment_size: int = 100_000, keys: bool = True):
    tls_session = session("1.3")
    wire = frames(tls_session, segment_size)
    return tls_session, wire, wire.connection(tls_session.keylog if keys else None)


def saved(tmp_path, secrets: bool):
    """The TLS 1.3 session saved as the gate saves it, with its key log in a Decryption Secrets Block, or without."""
    tls_session, wire, _ = tls13()
    path = tmp_path / f"{'with' if secrets else 'without'}-secrets.pcapng"
    pcapng.write(path, wire.frames, {}, tls_key_log=tls_session.keylog if secrets else "")
    return path


def test_each_frame_of_a_tls13_exchange_is_labelled_by_the_records_it_completes():
    _, _, connection = tls13()
    assert data_labels(ladder(connection)) == TLS13_FRAMES


def test_a_record_split_across_frames_is_named_by_the_frame_that_completes_it_the_others_say_they_carry_part():
    _, wire, connection = tls13(segment_size=20)
    request_frames = wire.flights[REQUEST]
    labels = dict(zip([segment.index for segment in connection.segments if segment.payload],
                      data_labels(ladder(connection)), strict=True))
    assert [labels[index] for index in request_frames] == ["(part of a record)"] * (len(request_frames) - 1) + [GET]


def test_a_record_whose_parts_come_out_of_order_is_named_by_the_frame_that_brought_its_last_missing_bytes():
    tls_session, wire = session("1.3"), Wire()
    for from_client, data in tls_session.flights[:REQUEST]:
        wire.send(from_client, data)
    request, request_start = tls_session.flights[REQUEST][1], wire.sent[True]
    wire.send(True, request[30:], at=request_start + 30)
    wire.send(True, request[:30], at=request_start)
    assert data_labels(ladder(wire.connection(tls_session.keylog)))[-2:] == ["(part of a record)", GET]


def test_a_frame_that_carries_records_sent_before_says_it_was_sent_again():
    tls_session, wire, _ = tls13()
    request_start = sum(len(data) for sender, data in tls_session.flights[:REQUEST] if sender)
    wire.send(True, tls_session.flights[REQUEST][1], at=request_start)
    assert data_labels(ladder(wire.connection(tls_session.keylog)))[-1] == "(sent again)"


def test_frames_past_a_hole_in_their_sides_stream_say_they_are_not_framed():
    tls_session, wire, _ = tls13()
    del wire.frames[wire.flights[CLIENT_FINISHED][0]]  # lost: the client's request and alert lie past a hole
    labels = data_labels(ladder(wire.connection(tls_session.keylog)))
    assert labels == [*TLS13_FRAMES[:2], *TLS13_FRAMES[3:4], "(past a hole: not framed)", *TLS13_FRAMES[5:7],
                      "(past a hole: not framed)"]


def test_without_the_key_the_hellos_are_still_named_and_the_rest_is_said_encrypted():
    _, _, connection = tls13(keys=False)
    labels = data_labels(ladder(connection))
    assert labels[:2] == ["ClientHello", "ServerHello, ChangeCipherSpec, encrypted (no key), encrypted (no key), "
                                         "encrypted (no key) and 1 more record"]
    assert labels[4:] == ["encrypted (no key)"] * 4


def test_a_frame_of_many_records_names_those_that_fit_and_counts_the_others():
    assert len(f"{GET}, {GET}, {GET}") > RECORDS_CHARACTERS >= len(f"{GET}, {GET}")  # the premise
    assert joined([GET] * 10) == f"{GET}, {GET} and 8 more records"
    assert joined([GET, "Alert close_notify"]) == f"{GET}, Alert close_notify"


def test_the_svg_ladder_labels_tls_frames_by_their_records_escaped_and_whole_in_the_tooltip():
    _, wire, connection = tls13()
    svg = ladder_svg(connection)
    request = next(group for group in ElementTree.fromstring(svg).iter("{http://www.w3.org/2000/svg}g")
                   if group.get("data-frame") == str(wire.flights[REQUEST][0] + 1))
    assert GET in request.find("{http://www.w3.org/2000/svg}title").text
    assert escape(GET) in svg


def test_the_html_page_draws_a_tls_capture_decrypted_with_its_own_key_log(tmp_path):
    html = render(Page("run", [], [], [], [Section("tls", "passed", capture=saved(tmp_path, secrets=True))]), tmp_path)
    assert escape(GET) in html


def test_the_pcapng_reader_returns_the_key_log_of_a_decryption_secrets_block_and_other_files_none(tmp_path):
    tls_session, wire, _ = tls13()
    wrpcap(str(tmp_path / "any.pcap"), [Ether(frame.data) for frame in wire.frames])
    assert read(saved(tmp_path, secrets=True)).tls_key_log == tls_session.keylog
    assert read(saved(tmp_path, secrets=False)).tls_key_log == ""
    assert read(tmp_path / "any.pcap").tls_key_log == ""


def test_show_draws_a_saved_tls_capture_decrypted_with_the_secrets_it_carries(tmp_path, capsys):
    assert show([str(saved(tmp_path, secrets=True))]) == 0
    assert data_labels(capsys.readouterr().out) == TLS13_FRAMES


def test_show_draws_a_tls_capture_without_secrets_encrypted(tmp_path, capsys):
    assert show([str(saved(tmp_path, secrets=False))]) == 0
    drawn = capsys.readouterr().out
    assert "GET" not in drawn
    assert "encrypted (no key)" in drawn
