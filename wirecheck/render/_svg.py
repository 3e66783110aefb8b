"""Draw connections as inline SVG: one connection as a ladder, several on one time axis.

Theory of operation. A ladder gives every frame its own row, so that frames a few
microseconds apart stay readable; time is written on the left, relative to the
connection's first frame. Time that matters to the eye is a pause: one longer than
``GAP_SECONDS`` becomes a band with its length written on it, taller for longer pauses
(logarithmically) up to ``GAP_MAX_PX``; one longer than ``COMPRESS_SECONDS`` is drawn
broken (a zigzag) and labelled compressed. The timeline is the opposite choice: a
linear time axis shared by every connection of a test, one row each, a tick per frame,
so that a staircase of responses is seen at a glance. Only a quiet time that takes more
than ``TIMELINE_BREAK_SHARE`` of the whole span (a settling wait before a burst, a
silent client's second) is cut out of the axis, drawn as a band with its length, so
that it does not squeeze the frames around it into a corner.

Elements a test can count: each frame is a ``<g class="frame" data-frame="N">`` (N its
number in the capture as Wireshark counts, from 1, like the run model's problems), with
``class="frame failed"`` when it broke an expectation; each timeline tick is a
``<line class="tick" data-frame="N">``. The arguments, like the capture reader's
comments, are frame indexes, from 0.
"""

import math
import textwrap
from collections.abc import Collection, Mapping, Sequence
from html import escape

from wirecheck.checks._timing import seconds
from wirecheck.model._flows import Connection
from wirecheck.model._frames import FIN, RST, Segment
from wirecheck.render._ladder import numbers
from wirecheck.render._tls_labels import record_labels

GAP_SECONDS = 0.05  # a pause longer than this is drawn as a gap
COMPRESS_SECONDS = 2.0  # a pause longer than this is drawn broken, much shorter than its time
ROW_PX, LINE_PX, SLOPE_PX = 30, 14, 8
GAP_MIN_PX, GAP_MAX_PX, GAP_MARGIN_PX = 34, 90, 14
TIME_X, CLIENT_X, SERVER_X, NOTE_X, WIDTH = 6, 110, 500, 515, 1020
NOTE_CHARACTERS = 70  # a comment wraps at this width beside its frame
LABEL_CHARACTERS = 56  # an arrow's label fits between the lifelines; past it, cut (the tooltip has it whole)
HEADER_PX = 36
TIMELINE_LABEL_PX, TIMELINE_PLOT_PX, TIMELINE_ROW_PX, TIMELINE_MAX_HEIGHT_PX = 190, 800, 16, 640
TIMELINE_BREAK_SHARE, TIMELINE_BREAK_PX, TIMELINE_TEXT_PX = 0.6, 110, 80  # TEXT: room for one axis label
CLIENT_COLOUR, SERVER_COLOUR, FAILED_COLOUR, GAP_COLOUR = "#1f5fa8", "#247a3c", "#c62828", "#eef0f4"


def ladder_svg(connection: Connection, marks: Mapping[int, str] | None = None,
               failed: Collection[int] = ()) -> str:
    """`connection` as a ladder; `marks` (frame index -> text) beside their frames, `failed` frames in red."""
    marks = marks or {}
    origin = connection.segments[0].time
    parts: list[str] = []
    y = HEADER_PX
    previous = origin
    labels = record_labels(connection)
    for segment in connection.segments:
        pause = segment.time - previous
        if pause > GAP_SECONDS:
            height = _gap_height(pause)
            parts.append(_gap(y, height, pause))
            y += height
        note = marks.get(segment.index, "")
        note_lines = textwrap.wrap(note, NOTE_CHARACTERS) if note else []
        parts.append(_frame(connection, segment, labels, y, segment.time - origin, note_lines,
                            segment.index in failed))
        y += max(ROW_PX, LINE_PX * len(note_lines) + SLOPE_PX)
        previous = segment.time
    height = y + 10
    head = "".join(f'<text x="{x}" y="16" text-anchor="middle" class="end">{name} {escape(host)}:{port}</text>'
                   f'<line class="lifeline" x1="{x}" y1="24" x2="{x}" y2="{height}"/>'
                   for name, x, (host, port) in (("client", CLIENT_X, connection.client),
                                                 ("server", SERVER_X, connection.server)))
    return _svg("ladder", WIDTH, height, head + "".join(parts))


def _gap_height(pause: float) -> float:
    share = math.log10(pause / GAP_SECONDS) / math.log10(COMPRESS_SECONDS / GAP_SECONDS)
    return GAP_MIN_PX + (GAP_MAX_PX - GAP_MIN_PX) * min(1.0, share)


def _gap(y: float, height: float, pause: float) -> str:
    compressed = pause > COMPRESS_SECONDS
    band_height = height - GAP_MARGIN_PX  # the margin keeps the next frame's label off the band
    label = f"{seconds(pause)} quiet" + (" (compressed)" if compressed else "")
    band = (f'<g class="gap{" compressed" * compressed}" data-seconds="{pause:.6f}">'
            f'<rect x="{CLIENT_X}" y="{y:.1f}" width="{SERVER_X - CLIENT_X}" height="{band_height:.1f}" '
            f'fill="{GAP_COLOUR}"/>')
    if compressed:  # a break across the band: the drawing skips time here
        middle, step = y + band_height / 2, (SERVER_X - CLIENT_X) / 12
        points = " ".join(f"{CLIENT_X + i * step:.1f},{middle + (4 if i % 2 else -4):.1f}" for i in range(13))
        band += f'<polyline points="{points}" fill="none" stroke="#8a8f99"/>'
    text_x, text_y = (CLIENT_X + SERVER_X) / 2, y + band_height / 2 + 4
    return band + f'<text x="{text_x}" y="{text_y:.1f}" text-anchor="middle">{escape(label)}</text></g>'


def _frame(connection: Connection, segment: Segment, labels: Mapping[int, str], y: float, offset: float,
           note_lines: list[str], failed: bool) -> str:
    from_client = connection.from_client(segment)
    start, end = (CLIENT_X, SERVER_X) if from_client else (SERVER_X, CLIENT_X)
    colour = FAILED_COLOUR if failed else CLIENT_COLOUR if from_client else SERVER_COLOUR
    tip_y, back = y + SLOPE_PX, -9 if from_client else 9
    label = f"[{segment.flag_text}] {numbers(connection, segment, labels)}"
    weight = ' font-weight="bold"' if segment.flags & (FIN | RST) else ""
    note = "".join(f'<tspan x="{NOTE_X}" dy="{0 if i == 0 else LINE_PX}">{escape(line)}</tspan>'
                   for i, line in enumerate(note_lines))
    return (f'<g class="frame{" failed" * failed}" data-frame="{segment.index + 1}" '
            f'data-from="{"client" if from_client else "server"}" data-flags="{segment.flag_text}">'
            f'<title>frame {segment.index + 1}: {escape(label)}</title>'
            f'<text x="{TIME_X}" y="{tip_y:.1f}" class="time">{offset:+.6f}</text>'
            f'<line x1="{start}" y1="{y:.1f}" x2="{end}" y2="{tip_y:.1f}" stroke="{colour}" '
            f'stroke-width="{2.5 if failed else 1.4}"/>'
            f'<polygon points="{end},{tip_y:.1f} {end + back},{tip_y - 5:.1f} {end + back},{tip_y + 1:.1f}" '
            f'fill="{colour}"/>'
            f'<text x="{(CLIENT_X + SERVER_X) / 2}" y="{y - 2:.1f}" text-anchor="middle" fill="{colour}"{weight}>'
            f'{escape(_fit(label))}</text>'
            + (f'<text x="{NOTE_X}" y="{tip_y:.1f}" class="note{" failed" * failed}">{note}</text>' if note else "")
            + "</g>")


def _fit(label: str) -> str:
    return label if len(label) <= LABEL_CHARACTERS else label[:LABEL_CHARACTERS - 1] + "\u2026"


def timeline_svg(connections: Sequence[Connection], failed: Collection[int] = ()) -> str:
    """Every connection on one time axis, one row each, a tick per frame; `failed` frames in red."""
    axis = _Axis(sorted(segment.time for connection in connections for segment in connection.segments))
    row = min(TIMELINE_ROW_PX, TIMELINE_MAX_HEIGHT_PX / len(connections))  # a burst of 500 stays one screen tall
    plot_top = 8
    axis_y = round(plot_top + len(connections) * row + 4)
    parts = [axis.band(start, end, plot_top, axis_y) for start, end in axis.breaks]
    for number, connection in enumerate(connections):
        top = plot_top + number * row
        middle = top + row / 2
        if row >= 12:  # room for a label
            parts.append(f'<text x="{TIMELINE_LABEL_PX - 6}" y="{middle + 4:.1f}" text-anchor="end">'
                         f'client :{connection.client[1]}  {connection.state}</text>')
        parts.append(f'<g class="connection" data-client-port="{connection.client[1]}">'
                     f'<line class="span" x1="{axis.x(connection.segments[0].time):.1f}" y1="{middle:.1f}" '
                     f'x2="{axis.x(connection.segments[-1].time):.1f}" y2="{middle:.1f}"/>')
        for segment in connection.segments:
            is_failed = segment.index in failed
            colour = (FAILED_COLOUR if is_failed else CLIENT_COLOUR if connection.from_client(segment)
                      else SERVER_COLOUR)
            reach = row / 2 - 1 if segment.flags & (FIN | RST) or segment.payload or is_failed else row / 4
            at = axis.x(segment.time)
            parts.append(f'<line class="tick{" failed" * is_failed}" data-frame="{segment.index + 1}" '
                         f'x1="{at:.1f}" y1="{middle - reach:.1f}" x2="{at:.1f}" y2="{middle + reach:.1f}" '
                         f'stroke="{colour}"/>')
        parts.append("</g>")
    parts.append(f'<line class="axis" x1="{TIMELINE_LABEL_PX}" y1="{axis_y}" '
                 f'x2="{TIMELINE_LABEL_PX + TIMELINE_PLOT_PX}" y2="{axis_y}"/>')
    parts += [f'<text x="{x:.1f}" y="{axis_y + 14}" text-anchor="middle">{text}</text>' for x, text in axis.labels()]
    return _svg("timeline", TIMELINE_LABEL_PX + TIMELINE_PLOT_PX + 40, axis_y + 22, "".join(parts))


class _Axis:
    """The timeline's time axis: linear, except that each long quiet time becomes a band TIMELINE_BREAK_PX wide."""

    def __init__(self, times: list[float]) -> None:
        self.origin, self.span = times[0], times[-1] - times[0]
        self.breaks = [(start, end) for start, end in zip(times, times[1:], strict=False)
                       if end - start > max(GAP_SECONDS, TIMELINE_BREAK_SHARE * self.span)]
        drawn = self.span - sum(end - start for start, end in self.breaks)
        self.scale = (TIMELINE_PLOT_PX - TIMELINE_BREAK_PX * len(self.breaks)) / (drawn or 1e-6)

    def x(self, time: float) -> float:
        cut = sum(min(time, end) - start for start, end in self.breaks if time > start)
        crossed = sum(TIMELINE_BREAK_PX * min(1.0, (time - start) / (end - start))
                      for start, end in self.breaks if time > start)
        return TIMELINE_LABEL_PX + min(TIMELINE_PLOT_PX, (time - self.origin - cut) * self.scale + crossed)

    def band(self, start: float, end: float, top: float, bottom: float) -> str:
        left, right = self.x(start) + 3, self.x(end) - 3
        return (f'<g class="break" data-seconds="{end - start:.6f}"><rect x="{left:.1f}" y="{top}" '
                f'width="{right - left:.1f}" height="{bottom - top}" fill="{GAP_COLOUR}"/>'
                f'<text x="{(left + right) / 2:.1f}" y="{(top + bottom) / 2 + 4:.1f}" text-anchor="middle">'
                f'{seconds(end - start)} quiet</text></g>')

    def labels(self) -> list[tuple[float, str]]:
        """(x, "+t s") under the axis: five even steps, or each stretch's ends when quiet times are cut out;
        a label too close to the one before it is left out."""
        if self.breaks:
            times = [self.origin, *(time for pair in self.breaks for time in pair), self.origin + self.span]
        else:
            times = [self.origin + self.span * step / 4 for step in range(5)]
        shown: list[tuple[float, str]] = []
        for time in times:
            if not shown or self.x(time) - shown[-1][0] >= TIMELINE_TEXT_PX:
                shown.append((self.x(time), f"+{time - self.origin:.3f} s"))
        return shown


def _svg(kind: str, width: float, height: float, body: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="{kind}" width="{width}" height="{height:.0f}" '
            f'viewBox="0 0 {width} {height:.0f}" font-family="monospace" font-size="11">{body}</svg>')
