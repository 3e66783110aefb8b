"""Ask Wireshark's dissector about a saved capture and list where it disagrees with the suite.

tshark reads the pcapng the suite wrote, decoding the server's port as HTTP, and
reports per frame: the TCP ports and flags, the HTTP request method and response
code it found, and the packet comment. The suite's own analysis must match it:
the same frames, the same server FINs and RSTs, the same complete HTTP requests and
responses, no frame twice, and the comments it wrote readable back.
"""

import shutil
import subprocess
from collections import Counter
from pathlib import Path

from wirecheck.frames import FIN, RST
from wirecheck.http import HttpParseError, parse_requests, parse_responses
from wirecheck.session import Observation

TSHARK_SECONDS = 60
_FIELDS = ("frame.number", "tcp.srcport", "tcp.flags.fin", "tcp.flags.reset", "http.request.method",
           "http.response.code", "frame.comment")


def available() -> bool:
    return shutil.which("tshark") is not None


def disagreements(path: Path, observation: Observation, server_port: int, comments: dict[int, list[str]]) -> list[str]:
    """What tshark sees differently from `observation` in the capture at `path` (empty: they agree)."""
    command = ["tshark", "-r", str(path), "-n", "-d", f"tcp.port=={server_port},http", "-T", "fields",
               "-E", "separator=\t", "-E", "occurrence=a", "-E", "aggregator=,",
               *(arg for field in _FIELDS for arg in ("-e", field))]
    done = subprocess.run(command, capture_output=True, text=True, timeout=TSHARK_SECONDS)
    if done.returncode != 0:
        return [f"tshark could not read {path}: {done.stderr.strip()}"]
    rows = [dict(zip(_FIELDS, line.split("\t"), strict=False)) for line in done.stdout.splitlines()]
    found = []
    frames = observation.capture.frames
    if len(rows) != len(frames):
        found.append(f"tshark read {len(rows)} frames, the suite wrote {len(frames)}")
    copies = sum(count - 1 for count in Counter(frame.data for frame in frames).values())
    if copies:
        found.append(f"{copies} frames appear twice, byte for byte: the capture holds duplicates")
    from_server = [row for row in rows if row.get("tcp.srcport") == str(server_port)]
    for flag, field, name in ((FIN, "tcp.flags.fin", "FIN"), (RST, "tcp.flags.reset", "RST")):
        theirs = {int(row["frame.number"]) - 1 for row in from_server if row.get(field) in ("1", "True")}
        ours = {s.index for s in observation.segments if s.sport == server_port and s.flags & flag}
        if theirs != ours:
            found.append(f"server {name} frames: tshark sees {_numbers(theirs)}, the suite {_numbers(ours)}")
    requests, responses = _http_counts(observation)
    # A frame may carry several messages (pipelined requests, responses sent at once): each is counted.
    their_requests = sum(len(_values(row, "http.request.method")) for row in rows)
    their_responses = Counter(code for row in rows for code in _values(row, "http.response.code"))
    if their_requests != requests:
        found.append(f"HTTP requests: tshark found {their_requests}, the suite {requests}")
    if their_responses != responses:
        found.append(f"HTTP responses by status: tshark found {dict(their_responses)}, the suite {dict(responses)}")
    their_comments = {int(row["frame.number"]) - 1 for row in rows if row.get("frame.comment")}
    if their_comments != {index for index, texts in comments.items() if texts}:
        found.append(f"commented frames: tshark reads {_numbers(their_comments)}, the suite wrote "
                     f"{_numbers({i for i, texts in comments.items() if texts})}")
    return found


def _values(row: dict[str, str], field: str) -> list[str]:
    return [value for value in row.get(field, "").split(",") if value]


def _http_counts(observation: Observation) -> tuple[int, Counter]:
    """Complete requests, and complete responses (interim ones too) by status, in the suite's own analysis."""
    requests, responses = 0, Counter()
    for connection in observation.connections:
        client, server = connection.sent_by_client, connection.sent_by_server
        try:
            requests += sum(request.complete for request in parse_requests(client.data))
        except HttpParseError:
            pass
        try:
            answers = parse_responses(server.data, closed=server.fin is not None)
        except HttpParseError:
            continue
        responses.update(str(response.status) for response in answers if response.complete)
    return requests, responses


def _numbers(indices: set[int]) -> str:
    """Frame numbers as Wireshark shows them (from 1), shortened when long."""
    numbers = sorted(index + 1 for index in indices)
    return str(numbers[:10])[:-1] + (", ...]" if len(numbers) > 10 else "]") if numbers else "none"
