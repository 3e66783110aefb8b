"""Write one self-contained HTML page of a run: settings, a summary table, and every connection drawn.

The input is plain data (``Page``, ``Section``), so that bin/verify and a pytest run
can both feed it: each section names its capture file, the marks to show beside frames
(frame index -> text) and the frames that broke an expectation. The writer reads the
captures itself, with their comments, and draws each connection as an SVG ladder, and
a section's connections together on one time axis. CSS and SVG are inline and nothing
is fetched, so the file reads the same from a CI artifact.
"""

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from wirecheck.capture._pcapng_reader import CaptureFileError, read
from wirecheck.model._flows import STATES, Connection
from wirecheck.render._saved_capture import connections_of
from wirecheck.render._svg import ladder_svg, timeline_svg

MAX_LADDERS = 6  # per section; a burst's other connections are on its timeline and in the capture

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #1d2330; max-width: 1100px; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; max-width: 100%; }
th, td { border: 1px solid #c9ced8; padding: 0.25em 0.6em; text-align: left; font-size: 0.9em; }
td:first-child { overflow-wrap: anywhere; }  /* a test id is one long word: wrap it rather than widen the page */
th { background: #eef0f4; }
h2, h3 { overflow-wrap: anywhere; }  /* a parametrized test's name is one long word */
section { border-top: 2px solid #c9ced8; margin-top: 2em; padding-top: 0.5em; }
.outcome { font-weight: bold; padding: 0.1em 0.5em; border-radius: 3px; }
.outcome.passed { background: #d8f0dc; color: #1b5e20; } .outcome.failed { background: #fbdcdc; color: #b71c1c; }
.message { white-space: pre-wrap; font-family: monospace; }
.warning { color: #b71c1c; font-weight: bold; }
dl.facts { display: grid; grid-template-columns: max-content auto; gap: 0.2em 1em; }
dl.facts dt { font-weight: bold; } dl.facts dd { margin: 0; }
code { background: #eef0f4; padding: 0 0.3em; }
svg { display: block; margin: 0.5em 0; background: #fff; }
svg .lifeline { stroke: #8a8f99; stroke-dasharray: 4 3; } svg .end { font-weight: bold; font-size: 12px; }
svg .time { fill: #5a6070; } svg .note { fill: #333; } svg .note.failed { fill: #c62828; font-weight: bold; }
svg .span { stroke: #c9ced8; stroke-width: 2; } svg .tick { stroke-width: 2; } svg .axis { stroke: #5a6070; }
"""


@dataclass(frozen=True)
class Section:
    """One test, contract property or article server: what happened, and the capture that shows it."""

    title: str
    outcome: str  # "passed" or "failed" (any other word is shown as it is)
    message: str = ""
    capture: Path | None = None
    marks: Mapping[int, str] = field(default_factory=dict)  # shown beside the frame, with the capture's comments
    failed: frozenset[int] = frozenset()  # frames that broke an expectation: drawn in red
    facts: Sequence[tuple[str, str]] = ()  # (label, value) lines under the title


@dataclass(frozen=True)
class Page:
    title: str
    settings: Sequence[tuple[str, str]]
    columns: Sequence[str]  # the summary table
    rows: Sequence[Sequence[str]]
    sections: Sequence[Section]


def write(page: Page, path: Path) -> None:
    """Write `page` to `path` as one HTML file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(page, path.parent), encoding="utf-8")


def render(page: Page, directory: Path) -> str:
    """The page's HTML; capture links are relative to `directory`, where the page will be."""
    settings = "".join(f"<dt>{escape(name)}</dt><dd>{escape(value)}</dd>" for name, value in page.settings)
    header = "".join(f"<th>{escape(column)}</th>" for column in page.columns)
    rows = "".join("<tr>" + "".join(f"<td>{escape(str(cell))}</td>" for cell in row) + "</tr>" for row in page.rows)
    sections = "".join(_section(number, section, directory) for number, section in enumerate(page.sections))
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{escape(page.title)}</title>'
            f"<style>{STYLE}</style></head><body><h1>{escape(page.title)}</h1>"
            f'<h2>Settings</h2><dl class="facts settings">{settings}</dl>'
            f'<h2>Summary</h2><table class="summary"><tr>{header}</tr>{rows}</table>{sections}</body></html>\n')


def _section(number: int, section: Section, directory: Path) -> str:
    facts = "".join(f"<dt>{escape(label)}</dt><dd>{escape(value)}</dd>" for label, value in section.facts)
    head = (f'<section id="section-{number}" data-outcome="{escape(section.outcome)}">'
            f'<h2>{escape(section.title)} <span class="outcome {escape(section.outcome)}">'
            f"{escape(section.outcome)}</span></h2>"
            + (f'<dl class="facts">{facts}</dl>' if facts else "")
            + (f'<p class="message">{escape(section.message)}</p>' if section.message else ""))
    return head + (_drawings(section, directory) if section.capture else "") + "</section>"


def _drawings(section: Section, directory: Path) -> str:
    """The capture's link and commands, then its connections: together on a timeline, then each as a ladder."""
    capture = section.capture.resolve()
    link = os.path.relpath(capture, directory.resolve())
    # Beside the page (a CI artifact, a run's directory), the commands work from the page's directory.
    named, beside = (link, " (from the page's directory)") if capture.is_relative_to(directory.resolve()) \
        else (str(capture), "")
    where = (f'<p class="capture">Capture: <a href="{escape(link)}">{escape(capture.name)}</a>; open it with '
             f"<code>wireshark {escape(named)}</code> or draw it in a terminal with "
             f"<code>wirecheck show {escape(named)}</code>{beside}</p>")
    try:
        saved = read(capture)
    except CaptureFileError as error:
        return where + f'<p class="warning">cannot read the capture: {escape(str(error))}</p>'
    found = connections_of(saved)
    marks = {index: "; ".join(texts) for index, texts in saved.comments.items()}
    for index, text in section.marks.items():
        if text not in marks.get(index, ""):
            marks[index] = "; ".join(filter(None, (marks.get(index), text)))
    parts = [where]
    if saved.incomplete:
        parts.append(f'<p class="warning">incomplete capture: {escape(saved.incomplete)}</p>')
    if not found:
        parts.append("<p>No TCP connection in the capture.</p>")
    if len(found) > 1:
        parts.append(f"<h3>All {len(found)} connections on one time axis</h3>"
                     + timeline_svg(found, section.failed))
    # The connections with a failed frame first, where a reader looks; then the others in time order.
    drawn = sorted(found, key=lambda c: not any(s.index in section.failed for s in c.segments))[:MAX_LADDERS]
    for connection in drawn:
        parts.append(f"<h3>{escape(_title(connection))}</h3>" + ladder_svg(connection, marks, section.failed))
    if len(found) > len(drawn):
        parts.append(f'<p class="not-drawn">{len(found) - len(drawn)} more connections are not drawn as ladders: '
                     "they are on the timeline above and in the capture.</p>")
    return "".join(parts)


def _title(connection: Connection) -> str:
    (client, client_port), (server, server_port) = connection.client, connection.server
    return (f"{client}:{client_port} \u2192 {server}:{server_port}: state {connection.state} "
            f"({STATES[connection.state]}), history {connection.history}")
