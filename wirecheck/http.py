"""Parse an HTTP/1.x request or response from the bytes a connection carried.

The bytes come from reassembled TCP streams, so a message may be cut short; the
parse says whether the message is complete and how its end is known (framing).
"""

import re
from dataclasses import dataclass

_DECIMAL = re.compile(r"[0-9]+")  # str.isdigit() would also take "¹" from a latin-1 header
_HEXADECIMAL = re.compile(rb"[0-9A-Fa-f]+")
_END_OF_HEAD = re.compile(rb"\r?\n\r?\n")


class HttpParseError(ValueError):
    """The bytes are not an HTTP/1.x message."""


@dataclass(frozen=True)
class HttpMessage:
    start_line: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    complete: bool
    framing: str  # "content-length", "chunked", "close", or "none" (a request without a body)

    def header(self, name: str) -> str | None:
        """The first header called `name` (any case), or None."""
        return next((value for key, value in self.headers if key.lower() == name.lower()), None)


@dataclass(frozen=True)
class HttpRequest(HttpMessage):
    @property
    def method(self) -> str:
        return self.start_line.split(" ")[0]

    @property
    def target(self) -> str:
        return self.start_line.split(" ")[1]


@dataclass(frozen=True)
class HttpResponse(HttpMessage):
    @property
    def status(self) -> int:
        return int(self.start_line.split(" ")[1])


def parse_request(data: bytes) -> HttpRequest:
    """The request at the start of `data`."""
    start_line, headers, rest = _split_head(data)
    parts = start_line.split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/"):
        raise HttpParseError(f"not an HTTP request line: {start_line!r}")
    if _is_chunked(headers) or _content_length(headers) is not None:
        body, complete, framing = _framed_body(headers, rest, closed=False)
    else:
        body, complete, framing = b"", True, "none"
    return HttpRequest(start_line, headers, body, complete, framing)


def parse_response(data: bytes, closed: bool) -> HttpResponse:
    """The response at the start of `data`; `closed` says whether the server closed after it."""
    start_line, headers, rest = _split_head(data)
    parts = start_line.split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not _DECIMAL.fullmatch(parts[1]):
        raise HttpParseError(f"not an HTTP status line: {start_line!r}")
    body, complete, framing = _framed_body(headers, rest, closed)
    return HttpResponse(start_line, headers, body, complete, framing)


def _split_head(data: bytes) -> tuple[str, tuple[tuple[str, str], ...], bytes]:
    end = _END_OF_HEAD.search(data)  # the first blank line, whichever line endings the head uses
    if end is None:
        raise HttpParseError(f"no end of headers in {len(data)} bytes: {data[:60]!r}")
    head, rest = data[:end.start()], data[end.end():]
    lines = head.decode("latin-1").replace("\r\n", "\n").split("\n")
    headers = []
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if not colon or not name.strip():
            raise HttpParseError(f"malformed header line: {line!r}")
        headers.append((name.strip(), value.strip()))
    return lines[0], tuple(headers), rest


def _content_length(headers: tuple[tuple[str, str], ...]) -> int | None:
    values = [value for name, value in headers if name.lower() == "content-length"]
    if not values:
        return None
    if not _DECIMAL.fullmatch(values[0]):
        raise HttpParseError(f"bad Content-Length: {values[0]!r}")
    return int(values[0])


def _is_chunked(headers: tuple[tuple[str, str], ...]) -> bool:
    return any(name.lower() == "transfer-encoding" and "chunked" in value.lower() for name, value in headers)


def _framed_body(headers: tuple[tuple[str, str], ...], rest: bytes, closed: bool) -> tuple[bytes, bool, str]:
    if _is_chunked(headers):
        body, complete = _dechunk(rest)
        return body, complete, "chunked"
    length = _content_length(headers)
    if length is not None:
        return rest[:length], len(rest) >= length, "content-length"
    return rest, closed, "close"


def _dechunk(data: bytes) -> tuple[bytes, bool]:
    """The body of a chunked message, and whether its last (zero) chunk arrived."""
    body = bytearray()
    position = 0
    while True:
        line_end = data.find(b"\r\n", position)
        if line_end < 0:
            return bytes(body), False
        size_text = data[position:line_end].split(b";")[0].strip()
        if not _HEXADECIMAL.fullmatch(size_text):
            raise HttpParseError(f"bad chunk size: {size_text!r}")
        size = int(size_text, 16)
        if size == 0:
            return bytes(body), True
        chunk_start = line_end + 2
        if len(data) < chunk_start + size + 2:
            body += data[chunk_start:chunk_start + size]
            return bytes(body), False
        body += data[chunk_start:chunk_start + size]
        position = chunk_start + size + 2
