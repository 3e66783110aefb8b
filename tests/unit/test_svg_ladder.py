"""The SVG drawings of connections: an arrow per frame, the failing one red, gaps written and compressed, timelines."""

import xml.etree.ElementTree as ElementTree

from crafted import NORMAL_OFFSETS, REQUEST_DATA, RESPONSE_DATA, SERVER_FIN, T0, analyse, exchange, only_connection

from wirecheck.render import _svg as svg_ladder
from wirecheck.render._svg import (
    COMPRESS_SECONDS,
    FAILED_COLOUR,
    GAP_SECONDS,
    LABEL_CHARACTERS,
    TIMELINE_PLOT_PX,
    ladder_svg,
    timeline_svg,
)

SVG = "{http://www.w3.org/2000/svg}"


def parsed(svg: str) -> ElementTree.Element:
    return ElementTree.fromstring(svg)


def frames_of(svg: str) -> list[ElementTree.Element]:
    return [group for group in parsed(svg).iter(f"{SVG}g") if "frame" in group.get("class", "").split()]


def with_pause_before_fin(pause: float):
    offsets = (*NORMAL_OFFSETS[:SERVER_FIN], *(offset + pause for offset in NORMAL_OFFSETS[SERVER_FIN:]))
    return only_connection(exchange(offsets=offsets))


def gaps_of(svg: str) -> list[ElementTree.Element]:
    return [group for group in parsed(svg).iter(f"{SVG}g") if "gap" in group.get("class", "").split()]


def test_one_arrow_per_frame_numbered_as_wireshark_numbers_it_from_1():
    second = analyse(exchange(T0) + exchange(T0 + 5.0, client_port=50000))[1]
    assert [int(group.get("data-frame")) for group in frames_of(ladder_svg(second))] == list(range(9, 17))


def test_arrows_go_from_the_sender_to_the_receiver():
    svg = ladder_svg(only_connection(exchange()))
    assert [group.get("data-from") for group in frames_of(svg)] == [
        "client", "server", "client", "client", "server", "server", "client", "server"]


def test_only_the_failed_frame_is_red_and_its_mark_is_beside_it():
    connection = only_connection(exchange())
    svg = ladder_svg(connection, {SERVER_FIN: "!! expected the server FIN at +1.000 s, happened at +0.000 s"},
                     failed={SERVER_FIN})
    failed = [group for group in frames_of(svg) if "failed" in group.get("class").split()]
    assert [int(group.get("data-frame")) for group in failed] == [SERVER_FIN + 1]
    assert "expected the server FIN at +1.000 s" in "".join(failed[0].itertext())
    assert failed[0].find(f"{SVG}line").get("stroke") == FAILED_COLOUR
    others = [group for group in frames_of(svg) if group.get("data-frame") != str(SERVER_FIN + 1)]
    assert FAILED_COLOUR not in "".join(ElementTree.tostring(group, encoding="unicode") for group in others)


def test_http_data_frames_are_labelled_with_their_first_line():
    texts = {int(group.get("data-frame")) - 1: "".join(group.itertext()) for group in frames_of(
        ladder_svg(only_connection(exchange())))}
    assert '"GET /hello HTTP/1.1"' in texts[REQUEST_DATA]
    assert '"HTTP/1.1 200 OK"' in texts[RESPONSE_DATA]


def test_times_are_relative_to_the_connections_first_frame():
    second = analyse(exchange(T0) + exchange(T0 + 5.0, client_port=50000))[1]
    times = [group.find(f"{SVG}text").text for group in frames_of(ladder_svg(second))]
    assert times[0] == "+0.000000" and times[-1] == "+0.000900"


def test_a_quick_exchange_has_no_gap():
    assert gaps_of(ladder_svg(only_connection(exchange()))) == []


def test_a_pause_longer_than_the_threshold_is_a_gap_with_its_length_written_on_it():
    gaps = gaps_of(ladder_svg(with_pause_before_fin(1.0)))
    assert len(gaps) == 1
    assert "1.000 s quiet" in "".join(gaps[0].itertext())
    assert gaps_of(ladder_svg(with_pause_before_fin(GAP_SECONDS / 2))) == []


def test_a_very_long_pause_is_compressed_no_taller_than_a_shorter_one():
    def height(pause):
        return float(gaps_of(ladder_svg(with_pause_before_fin(pause)))[0].find(f"{SVG}rect").get("height"))

    long_gap, = gaps_of(ladder_svg(with_pause_before_fin(60.0)))
    assert "compressed" in long_gap.get("class") and "(compressed)" in "".join(long_gap.itertext())
    assert height(0.1) < height(1.0) < height(COMPRESS_SECONDS * 2) == height(60.0)


def test_timeline_has_a_row_per_connection_and_a_tick_per_frame_on_one_time_axis():
    found = analyse(exchange(T0) + exchange(T0 + 0.2, client_port=50000) + exchange(T0 + 0.4, client_port=50001))
    root = parsed(timeline_svg(found, failed={SERVER_FIN}))
    rows = [group for group in root.iter(f"{SVG}g") if group.get("class") == "connection"]
    assert [row.get("data-client-port") for row in rows] == ["43210", "50000", "50001"]
    ticks = [[float(line.get("x1")) for line in row.iter(f"{SVG}line") if "tick" in line.get("class")] for row in rows]
    assert [len(row) for row in ticks] == [8, 8, 8]
    assert ticks[0][0] < ticks[1][0] < ticks[2][0]  # later connections start further right: one shared axis
    failed = [line for line in root.iter(f"{SVG}line") if line.get("class") == "tick failed"]
    assert [line.get("data-frame") for line in failed] == [str(SERVER_FIN + 1)]


def test_timeline_cuts_out_a_quiet_time_longer_than_most_of_its_span_and_writes_its_length_on_it():
    found = analyse(exchange(T0) + exchange(T0 + 10.0, client_port=50000))
    root = parsed(timeline_svg(found))
    band, = [group for group in root.iter(f"{SVG}g") if group.get("class") == "break"]
    assert "quiet" in "".join(band.itertext()) and float(band.get("data-seconds")) > 9
    first = [float(line.get("x1")) for line in next(g for g in root.iter(f"{SVG}g") if g.get("class") == "connection")
             .iter(f"{SVG}line") if "tick" in line.get("class")]
    assert max(first) - min(first) > TIMELINE_PLOT_PX / 4, "expected the first exchange spread out, not a dot"


def test_timeline_keeps_a_staircase_linear():
    found = analyse(exchange(T0) + exchange(T0 + 0.2, client_port=50000) + exchange(T0 + 0.4, client_port=50001))
    assert [group for group in parsed(timeline_svg(found)).iter(f"{SVG}g") if group.get("class") == "break"] == []


def test_a_label_too_long_for_the_space_between_the_lifelines_is_cut_and_whole_in_its_tooltip():
    long_line = b"GET /" + b"a" * 200 + b" HTTP/1.1\r\nHost: x\r\n\r\n"
    request = frames_of(ladder_svg(only_connection(exchange(request=long_line))))[REQUEST_DATA]
    label = next(text for text in request.iter(f"{SVG}text") if text.get("text-anchor") == "middle").text
    assert len(label) == LABEL_CHARACTERS and label.endswith("\u2026")
    assert label[:-1] in request.find(f"{SVG}title").text


def test_timeline_of_a_large_burst_stays_within_its_height(monkeypatch):
    monkeypatch.setattr(svg_ladder, "TIMELINE_MAX_HEIGHT_PX", 60)  # 30 connections play a burst of 300
    found = analyse([frame for n in range(30) for frame in exchange(T0 + n * 0.001, client_port=40000 + n)])
    root = parsed(timeline_svg(found))
    assert len([group for group in root.iter(f"{SVG}g") if group.get("class") == "connection"]) == 30
    assert float(root.get("height")) < 60 + 40, "expected the rows to share the height, however many"
