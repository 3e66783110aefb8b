"""What the browser tests check on a rendered HTML report: a screenshot that is drawn, and the ladders in the DOM.

Shared by every page kind's browser test (tests/reports/test_html_report.py, tests/gate/test_gate_html.py);
each starts Chromium once, for the screenshot and the DOM together (a start takes seconds).
"""

from html.parser import HTMLParser
from pathlib import Path

import pytest
from browser import chromium, render

from wirecheck.render._svg import FAILED_COLOUR

needs_chromium = pytest.mark.skipif(
    chromium() is None, reason="no chromium to render the report in: install Debian's chromium (bin/setup does)")

MIN_INK_SHARE = 0.02  # a rendered report covers more than this share of the window with something not white
RED_PIXELS = 20  # the failing arrow, its label and its note are at least this many pixels of red


def rendered(page: Path, window: tuple[int, int]) -> "Ladders":
    """Render `page` with its screenshot beside it (same name, .png) and check the screenshot: the window's size,
    not blank, red drawn in it; the ladders of the DOM the browser built."""
    image_module = pytest.importorskip("PIL.Image", reason="Pillow reads the screenshot: pip install '.[dev]'")
    png = page.with_suffix(".png")
    dom = render(page, png, *window)
    with image_module.open(png) as image:
        assert image.size == window, f"expected a {window} screenshot, got {image.size}"
        colours = image.convert("RGB").getcolors(window[0] * window[1])  # (count, colour): counted in C
    ink = sum(count for count, colour in colours if colour != (255, 255, 255)) / (window[0] * window[1])
    assert ink > MIN_INK_SHARE, f"expected a drawn page, {ink:.1%} of the screenshot is not white: {png}"
    red = sum(count for count, colour in colours if _near(colour, FAILED_COLOUR))
    assert red >= RED_PIXELS, f"expected the failing frame in red, found {red} red pixels: {png}"
    return Ladders(dom)


class Ladders(HTMLParser):
    """From the browser's DOM: each ladder SVG's frames as (data-frame, failed), and the failed frames' text."""

    def __init__(self, dom: str) -> None:
        super().__init__()
        self.frames: list[list[tuple[int, bool]]] = []
        self.failed_text = ""
        self._failed_depth = 0  # > 0 inside a failed frame's group
        self.feed(dom)

    @property
    def failed(self) -> list[tuple[int, int]]:
        """(ladder number, data-frame) of each frame drawn as failed."""
        return [(number, frame) for number, ladder in enumerate(self.frames) for frame, red in ladder if red]

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


def without_spaces(text: str) -> str:
    """A note wraps over lines in the SVG: compare texts without their spaces."""
    return "".join(text.split())


def _near(pixel: tuple[int, int, int], colour: str, slack: int = 40) -> bool:
    target = (int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16))
    return all(abs(a - b) <= slack for a, b in zip(pixel, target, strict=True))
