"""The HTML page of a run: self-contained, settings and summary, each section with its capture drawn and linked."""

import re

from crafted import SERVER_FIN, T0, exchange

from wirecheck.capture import _pcapng_writer as pcapng
from wirecheck.render._html_page import MAX_LADDERS, Page, Section, render, write


def capture(tmp_path, name, frames, comments=None):
    path = tmp_path / "captures" / name
    pcapng.write(path, frames, comments or {})
    return path


def page_of(*sections):
    return Page("run", [("timing tolerance", "4 ms")], ["test", "outcome"], [["one", "passed"]], sections)


def test_the_page_fetches_nothing(tmp_path):
    section = Section("one", "passed", capture=capture(tmp_path, "one.pcapng", exchange()))
    html = render(page_of(section), tmp_path)
    assert not re.search(r"<(script|link|img|iframe)\b", html)
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert "<style>" in html and html.count("<svg") == 1


def test_settings_summary_and_each_sections_title_outcome_and_message_are_shown(tmp_path):
    html = render(page_of(Section("first test", "passed"), Section("second test", "failed", "expected x, saw y")),
                  tmp_path)
    assert "timing tolerance" in html and "<th>outcome</th>" in html and "<td>one</td>" in html
    assert re.findall(r'data-outcome="(\w+)"', html) == ["passed", "failed"]
    assert "second test" in html and "expected x, saw y" in html


def test_the_capture_is_linked_relative_to_the_page_with_the_commands_that_open_it(tmp_path):
    path = capture(tmp_path, "one.pcapng", exchange())
    html = render(page_of(Section("one", "passed", capture=path)), tmp_path)
    assert 'href="captures/one.pcapng"' in html
    assert "wireshark captures/one.pcapng" in html and "wirecheck show captures/one.pcapng" in html


def test_a_capture_elsewhere_than_beside_the_page_is_named_by_its_whole_path(tmp_path):
    path = capture(tmp_path, "one.pcapng", exchange())
    html = render(page_of(Section("one", "passed", capture=path)), tmp_path / "reports")
    assert 'href="../captures/one.pcapng"' in html and f"wireshark {path}" in html


def test_the_captures_comments_and_the_sections_marks_are_beside_their_frames_and_the_failed_frame_is_red(tmp_path):
    path = capture(tmp_path, "one.pcapng", exchange(), {SERVER_FIN: ["server FIN, 0.000 s after the response"]})
    section = Section("one", "failed", capture=path, marks={SERVER_FIN: "!! expected it at +1.000 s"},
                      failed=frozenset({SERVER_FIN}))
    html = render(page_of(section), tmp_path)
    failed = re.findall(r'<g class="frame failed" data-frame="(\d+)".*?</g>', html)
    assert failed == [str(SERVER_FIN + 1)]
    assert "server FIN, 0.000 s after the response; !! expected it at +1.000 s" in html


def test_several_connections_share_a_timeline_and_the_failing_one_is_drawn_even_past_the_limit(tmp_path):
    count = MAX_LADDERS + 3
    frames = [frame for n in range(count) for frame in exchange(T0 + n, client_port=40000 + n)]
    last_fin = 8 * (count - 1) + SERVER_FIN
    html = render(page_of(Section("burst", "failed", capture=capture(tmp_path, "b.pcapng", frames),
                                  failed=frozenset({last_fin}))), tmp_path)
    assert html.count('class="timeline"') == 1 and html.count('class="connection"') == count
    assert html.count('class="ladder"') == MAX_LADDERS
    assert f'class="frame failed" data-frame="{last_fin + 1}"' in html
    assert "3 more connections are not drawn as ladders" in html


def test_an_unreadable_capture_is_said_on_the_page(tmp_path):
    (tmp_path / "bad.pcapng").write_text("nothing")
    html = render(page_of(Section("one", "failed", capture=tmp_path / "bad.pcapng")), tmp_path)
    assert "cannot read the capture" in html and "not a pcap or pcapng capture" in html


def test_write_puts_one_file_where_asked(tmp_path):
    write(page_of(Section("one", "passed")), tmp_path / "out" / "report.html")
    assert (tmp_path / "out" / "report.html").read_text().startswith("<!DOCTYPE html>")
