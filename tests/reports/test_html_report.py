"""The HTML report of a real capture renders in headless Chromium: a screenshot of the expected size
that is not blank, an arrow per frame in each connection's SVG, and the red mark on the failing frame.

Two curl clients at once against the iterative server, so that the page has a timeline and
two ladders with a quiet gap each; one expectation is broken on purpose (the FIN expected at
a later delay than the server's) to have a failing frame to find in red. The page and its
screenshot are saved beside the capture, under captures/test_html_report/, to look at.
"""

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from expectations import TARGET
from page_checks import needs_chromium, rendered, without_spaces

from wirecheck import checks
from wirecheck.checks._verdict import Problem
from wirecheck.clients._requests import curl
from wirecheck.model._flows import Connection
from wirecheck.render._html_page import Page, Section, write

pytestmark = [pytest.mark.slow, needs_chromium]

DELAY = 0.3  # long enough to be drawn as a quiet gap
WRONG_DELAY = 1.0  # the expectation the server breaks on purpose
CURL_SLACK_SECONDS = 5.0
WINDOW = (1200, 1600)  # the screenshot's size; the first connection's failing FIN lies within it


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


def test_the_report_renders_not_blank_with_an_arrow_per_frame_and_the_red_mark_on_the_failing_frame(report):
    ladders = rendered(report.page, WINDOW)
    assert [[frame for frame, _ in ladder] for ladder in ladders.frames] == [
        [segment.index + 1 for segment in connection.segments] for connection in report.connections]
    expected = [(0, report.problem.segment.index + 1)]
    assert ladders.failed == expected, f"expected the red mark on the first server FIN, got {ladders.failed}"
    assert without_spaces(report.problem.message) in without_spaces(ladders.failed_text), (
        "expected the failure's text beside the red frame")
