"""The HTML report of a real capture renders in headless Chromium: a screenshot of the expected size
that is not blank, an arrow per frame in each connection's SVG, and the red mark on the failing frame.

Two curl clients at once against the iterative server, so that the page has a timeline and
two ladders with a quiet gap each; one expectation is broken on purpose (the FIN expected at
a later delay than the server's) to have a failing frame to find in red. The page and its
screenshot are saved beside the capture, so a run leaves a real screenshot for the README.
"""

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest
from expectations import TARGET

from wirecheck import checks
from wirecheck.browser import chromium, rendered_dom, screenshot
from wirecheck.clients import curl
from wirecheck.flows import Connection
from wirecheck.html_report import Page, Section, write
from wirecheck.svg_ladder import FAILED_COLOUR
from wirecheck.verdict import Problem

pytestmark = pytest.mark.skipif(
    chromium() is None, reason="no chromium to render the report in: install Debian's chromium (bin/setup does)")

DELAY = 0.3  # long enough to be drawn as a quiet gap
WRONG_DELAY = 1.0  # the expectation the server breaks on purpose
CURL_SLACK_SECONDS = 5.0
WINDOW = (1200, 1600)  # the screenshot's size; the first connection's failing FIN lies within it
MIN_INK_SHARE = 0.02  # a rendered report covers more than this share of the window with something not white
RED_PIXELS = 20  # the failing arrow, its label and its note are at least this many pixels of red


@dataclass(frozen=True)
class Report:
    page: Path
    connections: list[Connection]
    problem: Problem


@pytest.fixture
def report(wire) -> Report:
    server = wire.serve("iterative", delay=DELAY)
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda _: curl(server.url(TARGET), 2 * DELAY + CURL_SLACK_SECONDS), range(2)))
    connections = wire.connections(2)
    for connection in connections:
        wire.expect(checks.server_closes(connection, delay=DELAY, tolerance=wire.tolerance))
    problem, = checks.server_closes(connections[0], delay=WRONG_DELAY, tolerance=wire.tolerance).problems
    assert problem.segment is connections[0].sent_by_server.fin, f"expected the FIN to fail, got {problem}"
    section = Section("iterative server, two clients at once", "failed", problem.message, wire.save(),
                      marks={problem.segment.index: "!! " + problem.message},
                      failed=frozenset({problem.segment.index}), facts=[("server delay", f"{DELAY:g} s")])
    page = wire.capture_path.with_suffix(".html")
    write(Page("wirecheck: HTML report check", [("timing tolerance", str(wire.tolerance))], ["test", "outcome"],
               [[section.title, section.outcome]], [section]), page)
    return Report(page, connections, problem)


def test_screenshot_has_the_window_size_and_is_not_blank_and_shows_the_red_frame(report):
    image_module = pytest.importorskip("PIL.Image", reason="Pillow reads the screenshot: pip install '.[dev]'")
    png = report.page.with_suffix(".png")
    screenshot(report.page, png, *WINDOW)
    with image_module.open(png) as image:
        assert image.size == WINDOW, f"expected a {WINDOW} screenshot, got {image.size}"
        raw = image.convert("RGB").tobytes()
    pixels = list(zip(raw[0::3], raw[1::3], raw[2::3], strict=True))
    ink = sum(pixel != (255, 255, 255) for pixel in pixels) / len(pixels)
    assert ink > MIN_INK_SHARE, f"expected a drawn page, {ink:.1%} of the screenshot is not white: {png}"
    red = sum(_near(pixel, FAILED_COLOUR) for pixel in pixels)
    assert red >= RED_PIXELS, f"expected the failing frame in red, found {red} red pixels: {png}"


def test_each_connections_svg_has_one_arrow_per_frame_and_the_red_mark_sits_on_the_failing_frame(report):
    ladders = _Ladders()
    ladders.feed(rendered_dom(report.page))
    assert [[frame for frame, _ in ladder] for ladder in ladders.frames] == [
        [segment.index for segment in connection.segments] for connection in report.connections]
    failed = [(number, frame) for number, ladder in enumerate(ladders.frames) for frame, red in ladder if red]
    assert failed == [(0, report.problem.segment.index)], f"expected the red mark on the first server FIN, got {failed}"
    assert "".join(report.problem.message.split()) in "".join(ladders.failed_text.split()), (
        "expected the failure's text beside the red frame")  # wrapped over lines: compare without spaces


class _Ladders(HTMLParser):
    """From the browser's DOM: each ladder SVG's frames as (data-frame, failed), and the failed frame's text."""

    def __init__(self) -> None:
        super().__init__()
        self.frames: list[list[tuple[int, bool]]] = []
        self.failed_text = ""
        self._failed_depth = 0  # > 0 inside the failed frame's group

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if tag == "svg" and "ladder" in classes:
            self.frames.append([])
        elif tag == "g" and "frame" in classes:
            self.frames[-1].append((int(dict(attrs)["data-frame"]), "failed" in classes))
            self._failed_depth = "failed" in classes
        elif tag == "g" and self._failed_depth:
            self._failed_depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "g" and self._failed_depth:
            self._failed_depth -= 1

    def handle_data(self, data: str) -> None:
        if self._failed_depth:
            self.failed_text += data


def _near(pixel: tuple[int, int, int], colour: str, slack: int = 40) -> bool:
    target = (int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16))
    return all(abs(a - b) <= slack for a, b in zip(pixel, target, strict=True))
