"""Ask Wireshark's dissector about saved captures and list where it disagrees with the suite.

tshark reads the pcapng the suite wrote, decoding the server's port as HTTP, and
reports per frame: the TCP ports and flags, the HTTP request method and response
code it found, and the packet comment. The suite's own analysis must match it:
the same frames, the same server FINs and RSTs, the same complete HTTP requests and
responses, no frame twice, and the comments it wrote readable back.

Theory of operation. Starting tshark costs about 0.3 s of CPU, reading a small capture
a few milliseconds, so one tshark reads many captures at once: pcapng allows several
sections in one stream, each opened by its own section header, and every capture the
suite writes is one section. Their bytes, concatenated, are piped to one tshark, which
numbers each frame's section (`frame.section_number`, from 1), so its rows go back to
their capture by what tshark itself read, not by the frame counts the suite expects.
Frame numbers run on across sections: each capture's rows are renumbered from its own
first frame. Captures checked together have distinct server ports, so no TCP
conversation of one capture can be taken for one of another.
"""

import shutil
import subprocess
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from wirecheck.model._frames import FIN, RST, Frame, ipv4_id
from wirecheck.model._http import HttpHeadCutShort, HttpParseError, Messages
from wirecheck.server._session import Observation

TSHARK_SECONDS = 60
_FIELDS = ("frame.section_number", "frame.number", "tcp.srcport", "tcp.flags.fin", "tcp.flags.reset",
           "http.request.method", "http.response.code", "frame.comment")

Row = dict[str, str]


@dataclass(frozen=True)
class Expectations:
    """What tshark must find in one saved capture: the suite's own reading of it, in numbers."""

    path: Path
    server_port: int
    frames: int
    duplicate_frames: int  # copies beyond the first of frames identical byte for byte
    server_fins: frozenset[int]  # frame indices, from 0
    server_rsts: frozenset[int]
    requests: int  # complete HTTP requests
    # Of those, the requests with a body the server answered before it had ended (an early 413, a 100 Continue):
    # tshark counts such a request only if it reassembles the body across the answer, which it does not always do.
    requests_answered_early: int
    responses: tuple[tuple[str, int], ...]  # complete HTTP responses: (status, count), sorted
    commented: frozenset[int]
    tls: bool = False  # the server spoke TLS: tshark decodes its port as TLS, and HTTP inside (the capture's keys)

    def to_dict(self) -> dict:
        """Plain data (lists, not sets), to travel on a test report to the controller or an outer run (whose working
        directory may differ: the path is absolute)."""
        return {**asdict(self), "path": str(self.path.resolve()), "server_fins": sorted(self.server_fins),
                "server_rsts": sorted(self.server_rsts), "responses": [list(pair) for pair in self.responses],
                "commented": sorted(self.commented)}

    @classmethod
    def from_dict(cls, data: dict) -> "Expectations":
        return cls(Path(data["path"]), data["server_port"], data["frames"], data["duplicate_frames"],
                   frozenset(data["server_fins"]), frozenset(data["server_rsts"]), data["requests"],
                   data["requests_answered_early"],
                   tuple((status, count) for status, count in data["responses"]), frozenset(data["commented"]),
                   data["tls"])


def available() -> bool:
    return shutil.which("tshark") is not None


def expectations(path: Path, observation: Observation, server_port: int,
                 comments: dict[int, list[str]]) -> Expectations:
    """What the suite saw in the capture it saved at `path`, for tshark to confirm later."""
    frames = observation.capture.frames
    requests, answered_early, responses = _http_counts(observation)
    return Expectations(
        path=path, server_port=server_port, frames=len(frames),
        duplicate_frames=_duplicates(frames),
        server_fins=frozenset(s.index for s in observation.segments if s.sport == server_port and s.flags & FIN),
        server_rsts=frozenset(s.index for s in observation.segments if s.sport == server_port and s.flags & RST),
        requests=requests, requests_answered_early=answered_early, responses=tuple(sorted(responses.items())),
        commented=frozenset(index for index, texts in comments.items() if texts),
        tls=any(connection.tls is not None for connection in observation.connections))


def check(captures: Sequence[tuple[Expectations, bytes]]) -> list[list[str]]:
    """Each capture's disagreements with tshark (an empty list: they agree), reading `captures`
    (their expectations and their saved bytes, server ports all distinct) with one tshark."""
    ports = [expected.server_port for expected, _ in captures]
    assert len(set(ports)) == len(ports), f"captures read together must have distinct server ports: {ports}"
    command = ["tshark", "-r", "-", "-n", *(arg for expected, _ in captures for arg in _decode_as(expected)),
               "-T", "fields", "-E", "separator=\t", "-E", "occurrence=a", "-E", "aggregator=,",
               *(arg for field in _FIELDS for arg in ("-e", field))]
    try:
        done = subprocess.run(command, input=b"".join(data for _, data in captures), capture_output=True,
                              timeout=TSHARK_SECONDS)
    except subprocess.TimeoutExpired:
        return [[f"tshark did not finish reading {expected.path} within {TSHARK_SECONDS} s"]
                for expected, _ in captures]
    if done.returncode != 0:
        if len(captures) > 1:  # one unreadable capture must not hide whether the others agree
            return [found for capture in captures for found in check([capture])]
        return [[f"tshark could not read {captures[0][0].path}: {done.stderr.decode(errors='replace').strip()}"]]
    sections: dict[int, list[Row]] = {}
    for line in done.stdout.decode(errors="replace").splitlines():
        row = dict(zip(_FIELDS, line.split("\t"), strict=False))
        sections.setdefault(int(row["frame.section_number"]), []).append(row)
    return [disagreements(expected, sections.get(number, []))
            for number, (expected, _) in enumerate(captures, start=1)]


def _decode_as(expected: Expectations) -> list[str]:
    """tshark's -d options for one capture's server port: HTTP, or over TLS HTTP inside TLS."""
    port = expected.server_port
    return ["-d", f"tcp.port=={port},tls", "-d", f"tls.port=={port},http"] if expected.tls else \
        ["-d", f"tcp.port=={port},http"]


def disagreements(expected: Expectations, rows: list[Row]) -> list[str]:
    """What tshark's `rows` for one capture show differently from what the suite `expected`."""
    found = []
    first = int(rows[0]["frame.number"]) if rows else 1
    numbered = [(int(row["frame.number"]) - first, row) for row in rows]  # index in this capture, from 0
    if len(rows) != expected.frames:
        found.append(f"tshark read {len(rows)} frames, the suite wrote {expected.frames}")
    if expected.duplicate_frames:
        found.append(f"{expected.duplicate_frames} frames appear twice, byte for byte: the capture holds duplicates")
    from_server = [(index, row) for index, row in numbered if row.get("tcp.srcport") == str(expected.server_port)]
    for ours, field, name in ((expected.server_fins, "tcp.flags.fin", "FIN"),
                              (expected.server_rsts, "tcp.flags.reset", "RST")):
        theirs = {index for index, row in from_server if row.get(field) in ("1", "True")}
        if theirs != ours:
            found.append(f"server {name} frames: tshark sees {_numbers(theirs)}, the suite {_numbers(ours)}")
    # A frame may carry several messages (pipelined requests, responses sent at once): each is counted.
    their_requests = sum(len(_values(row, "http.request.method")) for row in rows)
    their_responses = Counter(code for row in rows for code in _values(row, "http.response.code"))
    if not expected.requests - expected.requests_answered_early <= their_requests <= expected.requests:
        found.append(f"HTTP requests: tshark found {their_requests}, the suite {expected.requests}"
                     + (f" ({expected.requests_answered_early} answered before their body ended, which tshark may "
                        f"not count)" if expected.requests_answered_early else ""))
    if their_responses != Counter(dict(expected.responses)):
        found.append(f"HTTP responses by status: tshark found {dict(their_responses)}, "
                     f"the suite {dict(expected.responses)}")
    their_comments = {index for index, row in numbered if row.get("frame.comment")}
    if their_comments != expected.commented:
        found.append(f"commented frames: tshark reads {_numbers(their_comments)}, the suite wrote "
                     f"{_numbers(expected.commented)}")
    return found


def _values(row: dict[str, str], field: str) -> list[str]:
    return [value for value in row.get(field, "").split(",") if value]


def _duplicates(frames: Sequence[Frame]) -> int:
    """Copies beyond the first of frames identical byte for byte, as a capture that reads the loopback twice holds.
    Not of frames with IPv4 ID 0: the kernel builds what it sends for no socket from the segment it answers alone,
    so two segments for a closed connection can draw two identical RSTs."""
    return sum(count - 1 for data, count in Counter(frame.data for frame in frames).items() if ipv4_id(data) != 0)


def _http_counts(observation: Observation) -> tuple[int, int, Counter]:
    """Complete requests, those of them with a body the server answered before its end, and complete responses
    (interim ones too) by status, in the suite's own analysis. Over TLS, not a response whose body the close ends:
    tshark 4.0's HTTP inside TLS never sees that end (the TCP FIN does not reach it through the TLS layer)."""
    requests, answered_early, responses = 0, 0, Counter()
    for connection in observation.connections:
        client, server = connection.stream(True), connection.stream(False)
        complete = [request for request in _whole(connection.requests) if request.complete]
        requests += len(complete)
        if server.first_data and client.last_data and server.first_data.index < client.last_data.index:
            answered_early += sum(1 for request in complete if request.body)
        responses.update(str(response.status) for response in _whole(connection.responses)
                         if response.complete and not (connection.tls and response.framing == "close"))
    return requests, answered_early, responses


def _whole(messages: Messages) -> list:
    """A direction's messages as tshark counts them: none after bytes that are no HTTP, but those before a last
    head cut short (a client that pipelined requests and gave up, or was cut off, in the middle of one)."""
    try:
        return messages.all()
    except HttpHeadCutShort:
        return messages.readable()
    except HttpParseError:
        return []


def _numbers(indices: set[int] | frozenset[int]) -> str:
    """Frame numbers as Wireshark shows them (from 1), shortened when long."""
    numbers = sorted(index + 1 for index in indices)
    return str(numbers[:10])[:-1] + (", ...]" if len(numbers) > 10 else "]") if numbers else "none"
