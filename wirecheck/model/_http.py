"""Frame the HTTP/1.x messages one direction of a connection carried, with h11 (RFC 9112 as a state machine).

Theory of operation. The bytes are a reassembled TCP stream, handed to h11 as if they came from a
socket: its CLIENT role reads what a server sent, its SERVER role what a client sent. h11 reads a
peer's message only when its own side of the conversation is in step, so `_OurSide` plays the side
the bytes are not from: before each response it "sends" a request (with the method the client
used: a response to HEAD has no body), after each request an empty answer, and when both sides are
done it starts the next cycle. That is how keep-alive and pipelined messages are read in order.
h11 reads nothing past a message that closes the connection ("Connection: close", HTTP/1.0): bytes
that follow one are read as a new conversation, so that a peer that talks on after its close is seen.

A capture may stop anywhere, so bytes that end inside a body are no error: that message is returned
with `complete=False`. A response framed by neither Content-Length nor chunking ends where the
server closes ("close"): h11 is told of the close only when the caller says it came (`closed`),
so such a response is complete only then. Bytes that end inside a head leave no message to return:
they raise HttpHeadCutShort. What h11 rejects raises HttpParseError with h11's reason. h11 (0.16)
takes bare LF line endings, as the article's servers send them (`HTTP/1.1 200 OK\\n\\nHello...`).
"""

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain, repeat
from typing import Generic, TypeVar

import h11

_Head = h11.Request | h11.Response | h11.InformationalResponse


class HttpParseError(ValueError):
    """The bytes are not HTTP/1.x as RFC 9112 frames it; the message is h11's reason."""


class HttpHeadCutShort(HttpParseError):
    """The bytes end before a message's head does: it may still be coming, or the capture lost it."""


@dataclass(frozen=True)
class HttpMessage:
    start_line: str  # as h11 read it: single spaces, the version as HTTP/x.y
    headers: tuple[tuple[str, str], ...]  # names as sent, in order
    body: bytes  # de-chunked
    complete: bool
    framing: str  # "content-length", "chunked", "close", or "none" (a message that has no body)

    def header(self, name: str) -> str | None:
        """The first header called `name` (any case), or None."""
        return next((value for key, value in self.headers if key.lower() == name.lower()), None)

    @property
    def version(self) -> str:
        raise NotImplementedError

    @property
    def persistent(self) -> bool:
        """Whether the connection may carry another message after this one (RFC 9112 §9.3): not after a
        "close" connection option, and in HTTP/1.0 only with "keep-alive"."""
        options = {option.strip().lower() for key, value in self.headers if key.lower() == "connection"
                   for option in value.split(",")}
        if "close" in options:
            return False
        return self.version != "HTTP/1.0" or "keep-alive" in options


@dataclass(frozen=True)
class HttpRequest(HttpMessage):
    method: str
    target: str

    @property
    def version(self) -> str:
        return self.start_line.rsplit(" ", 1)[-1]


@dataclass(frozen=True)
class HttpResponse(HttpMessage):
    status: int

    @property
    def version(self) -> str:
        return self.start_line.split(" ", 1)[0]

    @property
    def persistent(self) -> bool:
        """A body that ends at the server's close ends the connection too."""
        return self.framing != "close" and super().persistent

    @property
    def interim(self) -> bool:
        """A 1xx response (such as 100 Continue): the final response to the same request follows it."""
        return self.status < 200


Message = TypeVar("Message", bound=HttpMessage)


class Messages(Generic[Message]):
    """One direction's messages, parsed once and only as far as asked: the first request of a stream whose second
    is no HTTP is still read. A parse error is raised again by every later ask that reaches it."""

    def __init__(self, parsed: Iterator[Message], nothing: str) -> None:
        self._parsed, self._nothing = parsed, nothing
        self._read: list[Message] = []
        self._error: HttpParseError | None = None
        self._done = False

    def first(self, matching: Callable[[Message], bool] = lambda message: True) -> Message:
        """The first message that is `matching`; HttpHeadCutShort when there is none."""
        for message in self._messages():
            if matching(message):
                return message
        if self._error is not None:
            raise self._error
        raise HttpHeadCutShort(self._nothing)

    def all(self) -> list[Message]:
        """Every message, in order (the last may be incomplete)."""
        readable = self.readable()
        if self._error is not None:
            raise self._error
        return readable

    def readable(self) -> list[Message]:
        """The messages before the first parse error, if any: never raises."""
        return list(self._messages())

    def _messages(self) -> Iterator[Message]:
        yield from self._read
        while not self._done:
            try:
                message = next(self._parsed)
            except StopIteration:
                self._done = True
            except HttpParseError as error:
                self._error, self._done = error, True
            else:
                self._read.append(message)
                yield message


def requests_in(data: bytes) -> Messages[HttpRequest]:
    """The requests in `data`, a client's stream, parsed as far as asked."""
    return Messages(_requests(data), f"no request in {len(data)} bytes")


def responses_in(data: bytes, closed: bool, request_methods: Sequence[str] = ()) -> Messages[HttpResponse]:
    """The responses in `data`, a server's stream, interim (1xx) ones included, parsed as far as asked; `closed`
    and `request_methods` as for parse_responses."""
    return Messages(_responses(data, closed, request_methods), f"no final response in {len(data)} bytes")


def is_final(response: HttpResponse) -> bool:
    return not response.interim


def parse_requests(data: bytes) -> list[HttpRequest]:
    """Every request in `data`, in order; the last one may be incomplete."""
    return list(_requests(data))


def parse_responses(data: bytes, closed: bool, request_methods: Sequence[str] = ()) -> list[HttpResponse]:
    """Every response in `data`, interim (1xx) ones included, in order; the last one may be incomplete.

    `closed`: the server closed after these bytes. `request_methods`: the methods of the requests the
    responses answer, in order; GET where none is given.
    """
    return list(_responses(data, closed, request_methods))


def parse_request(data: bytes) -> HttpRequest:
    """The first request in `data`."""
    return _first(_requests(data), f"no request in {len(data)} bytes")


def parse_response(data: bytes, closed: bool, request_method: str = "GET") -> HttpResponse:
    """The first final (not 1xx) response in `data`; `closed` says whether the server closed after `data`."""
    finals = (response for response in _responses(data, closed, [request_method]) if not response.interim)
    return _first(finals, f"no final response in {len(data)} bytes")


def _first(messages: Iterator[HttpMessage], nothing: str):
    message = next(messages, None)
    if message is None:
        raise HttpHeadCutShort(nothing)
    return message


def _requests(data: bytes) -> Iterator[HttpRequest]:
    our_side = _OurSide(_connection(h11.SERVER, data), ())
    for head, body, complete in _messages(our_side, closed=False):
        method, target = head.method.decode("latin-1"), head.target.decode("latin-1")
        yield HttpRequest(start_line=f"{method} {target} HTTP/{head.http_version.decode()}", headers=_headers(head),
                          body=body, complete=complete, framing=_framing(head, None), method=method, target=target)


def _responses(data: bytes, closed: bool, request_methods: Sequence[str]) -> Iterator[HttpResponse]:
    our_side = _OurSide(_connection(h11.CLIENT, data), request_methods)
    for head, body, complete in _messages(our_side, closed):
        start_line = f"HTTP/{head.http_version.decode()} {head.status_code} {head.reason.decode('latin-1')}"
        yield HttpResponse(start_line=start_line.rstrip(" "), headers=_headers(head), body=body, complete=complete,
                           framing=_framing(head, our_side.method), status=head.status_code)


def _connection(role: type[h11.CLIENT] | type[h11.SERVER], data: bytes) -> h11.Connection:
    # A capture is judged, not defended: an unended head over h11's default 16 KiB is cut short, not "too long".
    connection = h11.Connection(role, max_incomplete_event_size=len(data))
    if data:  # h11 takes empty bytes for the peer's close
        connection.receive_data(data)
    return connection


class _OurSide:
    """The side of the conversation the bytes are not from, played so that h11 reads the peer's next message."""

    def __init__(self, connection: h11.Connection, request_methods: Sequence[str]) -> None:
        self.connection = connection
        self._methods = chain(request_methods, repeat("GET"))
        self.method: str | None = None  # of the request the response being read answers (client role)

    def keep_in_step(self) -> None:
        connection = self.connection
        if connection.our_state is h11.SEND_RESPONSE and connection.their_state in (h11.DONE, h11.MUST_CLOSE):
            connection.send(h11.Response(status_code=204, headers=[]))  # whatever we answer, h11 reads on
            connection.send(h11.EndOfMessage())
        if connection.our_state is h11.DONE and connection.their_state is h11.DONE:
            connection.start_next_cycle()
        if connection.our_role is h11.CLIENT and connection.our_state is h11.IDLE:
            self.method = next(self._methods)
            connection.send(h11.Request(method=self.method, target="/", headers=[("Host", "wirecheck")]))
            connection.send(h11.EndOfMessage())


def _messages(our_side: _OurSide, closed: bool) -> Iterator[tuple[_Head, bytes, bool]]:
    """Each message h11 reads: its head, its body, and whether its end arrived."""
    connection = our_side.connection
    head, body = None, bytearray()
    while True:
        our_side.keep_in_step()
        event = _next_event(connection)
        if isinstance(event, (h11.Request, h11.Response)):
            head, body = event, bytearray()
        elif isinstance(event, h11.InformationalResponse):
            yield event, b"", True
        elif isinstance(event, h11.Data):
            body += event.data
        elif isinstance(event, h11.EndOfMessage):
            yield head, bytes(body), True
            head, unread = None, connection.trailing_data[0]
            if not unread:
                return  # nothing left to read (and after a close, h11 could not start another cycle)
            if connection.their_state is h11.MUST_CLOSE:  # a peer that talks on after its close: read that too
                connection = our_side.connection = _connection(connection.our_role, unread)
        elif event is h11.NEED_DATA and closed and head is not None and _framing(head, our_side.method) == "close":
            connection.receive_data(b"")  # the server's close is this response's end: h11 then ends it
        else:  # out of bytes, the peer closed, or the protocol switched (CONNECT, Upgrade): no further message
            if head is not None:
                yield head, bytes(body), False
            elif connection.trailing_data[0]:
                unread = connection.trailing_data[0]
                raise HttpHeadCutShort(f"the bytes end inside a head: {len(unread)} bytes, {unread[:60]!r}")
            return


def _next_event(connection: h11.Connection):
    try:
        return connection.next_event()
    except h11.RemoteProtocolError as error:
        raise HttpParseError(str(error)) from error


def _framing(head: _Head, request_method: str | None) -> str:
    """How the message's end is known: RFC 9112 section 6.3, as h11 applies it (and has checked)."""
    if isinstance(head, h11.InformationalResponse):
        return "none"
    if isinstance(head, h11.Response) and (request_method == "HEAD" or head.status_code in (204, 304)):
        return "none"
    names = {name for name, _ in head.headers}  # h11 gives them in lower case
    if b"transfer-encoding" in names:
        return "chunked"  # h11 accepts no other transfer coding
    if b"content-length" in names:
        return "content-length"
    return "close" if isinstance(head, h11.Response) else "none"


def _headers(head: _Head) -> tuple[tuple[str, str], ...]:
    return tuple((name.decode("latin-1"), value.decode("latin-1")) for name, value in head.headers.raw_items())


def is_complete_response(data: bytes, closed: bool) -> bool:
    """Whether `data` begins with a whole final response (False for bytes that are no HTTP at all)."""
    try:
        return parse_response(data, closed=closed).complete
    except HttpParseError:
        return False
