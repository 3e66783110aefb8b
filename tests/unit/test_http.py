"""Framing HTTP/1.x with h11: fields, framing, completeness, several messages on one connection, errors."""

import h11
import pytest
from crafted import BODY, REQUEST, RESPONSE

from wirecheck.clients._abuse import OVERSIZED_REQUEST_BYTES
from wirecheck.model._http import (
    HttpHeadCutShort,
    HttpParseError,
    is_final,
    parse_request,
    parse_requests,
    parse_response,
    parse_responses,
    requests_in,
    responses_in,
)

ARTICLE_RESPONSE = b"HTTP/1.1 200 OK\n\nHello, World!\n"  # what the article's servers send: bare LF, no length
CHUNKED_HEAD = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
POST_HEAD = b"POST /form HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n"


def h11_rejection(parse, *args) -> h11.RemoteProtocolError:
    """The h11 error behind the HttpParseError that `parse(*args)` raises, checked to carry h11's reason."""
    with pytest.raises(HttpParseError) as raised:
        parse(*args)
    assert isinstance(raised.value.__cause__, h11.RemoteProtocolError)
    assert str(raised.value) == str(raised.value.__cause__)
    return raised.value.__cause__


def test_curl_get_gives_method_target_and_start_line():
    request = parse_request(REQUEST)
    assert (request.method, request.target, request.start_line) == ("GET", "/hello", "GET /hello HTTP/1.1")


def test_curl_get_headers_keep_their_case_and_order_and_are_found_in_any_case():
    request = parse_request(REQUEST)
    assert request.headers == (("Host", "127.0.0.1:8080"), ("User-Agent", "curl/8.5.0"), ("Accept", "*/*"))
    assert request.header("user-agent") == "curl/8.5.0"
    assert request.header("Cookie") is None


def test_curl_get_is_complete_without_a_body():
    request = parse_request(REQUEST)
    assert (request.complete, request.framing, request.body) == (True, "none", b"")


def test_request_with_content_length_is_complete_only_with_all_its_body():
    assert parse_request(POST_HEAD + b"ab").complete is False
    full = parse_request(POST_HEAD + b"abcde")
    assert (full.complete, full.body, full.framing) == (True, b"abcde", "content-length")


def test_request_cut_before_the_end_of_its_head_raises_head_cut_short():
    with pytest.raises(HttpHeadCutShort):
        parse_request(REQUEST[:30])


def test_two_pipelined_requests_are_two_messages_in_order():
    requests = parse_requests(REQUEST + POST_HEAD + b"abcde")
    assert [(r.method, r.target, r.body, r.complete) for r in requests] == [
        ("GET", "/hello", b"", True), ("POST", "/form", b"abcde", True)]


def test_pipelined_request_cut_inside_its_body_is_the_last_and_incomplete():
    requests = parse_requests(REQUEST + POST_HEAD + b"ab")
    assert [(r.method, r.complete) for r in requests] == [("GET", True), ("POST", False)]


def test_pipelined_request_cut_inside_its_head_raises_head_cut_short():
    with pytest.raises(HttpHeadCutShort):
        parse_requests(REQUEST + REQUEST[:30])


def test_messages_after_one_that_closes_the_connection_are_read_too_so_that_talking_on_is_seen():
    asks_to_close = b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    first, second = parse_requests(asks_to_close + REQUEST)
    assert not first.persistent and second.persistent and second.target == "/hello"
    closing = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi"
    assert [r.status for r in parse_responses(closing + b"HTTP/1.1 400 Bad\r\nContent-Length: 0\r\n\r\n", True)] \
        == [200, 400]


@pytest.mark.parametrize("head, persistent", [
    (b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n", True),
    (b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive, Close\r\n", False),
    (b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n", False),
    (b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\nConnection: Keep-Alive\r\n", True),
    (b"HTTP/1.1 200 OK\r\n", False),  # its body ends at the close
])
def test_a_response_keeps_the_connection_as_rfc_9112_section_9_3_says(head, persistent):
    assert parse_response(head + b"\r\nhi", closed=True).persistent is persistent


def test_http11_request_without_host_is_rejected_as_a_bad_request():
    assert h11_rejection(parse_request, b"GET / HTTP/1.1\r\n\r\n").error_status_hint == 400


def test_request_head_far_over_h11s_default_limit_is_read_and_when_unended_is_cut_short_not_too_long():
    head = b"GET / HTTP/1.1\r\nHost: x\r\nX-Padding: " + b"a" * OVERSIZED_REQUEST_BYTES + b"\r\n\r\n"
    assert len(parse_request(head).header("x-padding")) == OVERSIZED_REQUEST_BYTES
    with pytest.raises(HttpHeadCutShort):
        parse_request(head[:-2])


def test_close_delimited_response_is_complete_only_when_closed():
    open_response = parse_response(ARTICLE_RESPONSE, closed=False)
    closed_response = parse_response(ARTICLE_RESPONSE, closed=True)
    assert (open_response.complete, open_response.framing, open_response.body) == (False, "close", BODY)
    assert (closed_response.complete, closed_response.framing, closed_response.body) == (True, "close", BODY)


def test_article_response_with_bare_lf_gives_status_and_start_line():
    response = parse_response(ARTICLE_RESPONSE, closed=True)
    assert (response.status, response.start_line, response.headers) == (200, "HTTP/1.1 200 OK", ())


def test_response_with_content_length_gives_status_body_and_completeness():
    response = parse_response(RESPONSE, closed=False)
    assert (response.status, response.body, response.complete, response.framing) == (
        200, BODY, True, "content-length")
    assert response.header("content-type") == "text/plain"


def test_response_short_of_its_content_length_is_incomplete_even_when_closed():
    response = parse_response(RESPONSE[:-3], closed=True)
    assert (response.complete, response.body) == (False, BODY[:-3])


def test_bytes_beyond_the_content_length_are_not_body():
    assert parse_response(RESPONSE + b"HTTP/1.1 200 OK", closed=False).body == BODY


def test_two_keep_alive_responses_are_two_messages_in_order():
    responses = parse_responses(RESPONSE + CHUNKED_HEAD + b"2\r\nhi\r\n0\r\n\r\n", closed=False)
    assert [(r.status, r.body, r.framing, r.complete) for r in responses] == [
        (200, BODY, "content-length", True), (200, b"hi", "chunked", True)]


def test_close_delimited_response_after_a_keep_alive_one_ends_with_the_close():
    responses = parse_responses(RESPONSE + ARTICLE_RESPONSE, closed=True)
    assert [(r.body, r.framing, r.complete) for r in responses] == [
        (BODY, "content-length", True), (BODY, "close", True)]


def test_response_to_head_has_no_body_whatever_its_content_length():
    responses = parse_responses(RESPONSE[:-len(BODY)] + RESPONSE, closed=False, request_methods=["HEAD"])
    assert [(r.body, r.framing, r.complete) for r in responses] == [
        (b"", "none", True), (BODY, "content-length", True)]
    assert parse_response(RESPONSE[:-len(BODY)], closed=False, request_method="HEAD").complete


def test_100_continue_then_200_are_an_interim_and_a_final_response():
    data = b"HTTP/1.1 100 Continue\r\n\r\n" + RESPONSE
    responses = parse_responses(data, closed=False)
    assert [(r.status, r.interim, r.body, r.framing, r.complete) for r in responses] == [
        (100, True, b"", "none", True), (200, False, BODY, "content-length", True)]
    assert parse_response(data, closed=False).status == 200


def test_no_bytes_are_no_responses_and_no_first_response():
    assert parse_responses(b"", closed=True) == []
    with pytest.raises(HttpHeadCutShort):
        parse_response(b"", closed=True)


def test_chunked_response_with_its_last_chunk_is_complete_and_dechunked():
    response = parse_response(CHUNKED_HEAD + b"7;ext=1\r\nHello, \r\n7\r\nWorld!\n\r\n0\r\n\r\n", closed=False)
    assert (response.body, response.complete, response.framing) == (BODY, True, "chunked")


@pytest.mark.parametrize("tail", [b"7\r\nHello, \r\n", b"7\r\nHel", b"7", b""])
def test_chunked_response_cut_short_is_incomplete_even_when_closed(tail):
    response = parse_response(CHUNKED_HEAD + tail, closed=True)
    assert (response.complete, response.framing) == (False, "chunked")
    assert BODY.startswith(response.body)


def test_duplicate_conflicting_content_length_is_rejected():
    h11_rejection(parse_response, b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", True)


def test_duplicate_equal_content_length_is_one_length():
    response = parse_response(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nhi", closed=False)
    assert (response.body, response.complete) == (b"hi", True)


@pytest.mark.parametrize("codings", [b"gzip, chunked", b"chunked, gzip"])
def test_request_with_a_transfer_coding_besides_chunked_is_not_implemented(codings):
    """RFC 9112 section 6.1: a server answers 501 to a transfer coding it does not understand."""
    data = b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: " + codings + b"\r\n\r\n0\r\n\r\n"
    assert h11_rejection(parse_request, data).error_status_hint == 501


def test_response_with_gzip_then_chunked_is_rejected_though_rfc_frames_it_by_chunks():
    """h11 decodes no transfer coding but chunked, so it cannot give this body; RFC 9112 section 6.3 (4)
    would frame the response by its chunks. Servers rarely send it; this pins the limit down."""
    h11_rejection(parse_response, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", True)


@pytest.mark.parametrize("chunks", [b"zz\r\nHello\r\n", b"-c\r\n", b"-3\r\nabc\r\n0\r\n\r\n"])
def test_bad_chunk_size_is_rejected(chunks):
    h11_rejection(parse_response, CHUNKED_HEAD + chunks, True)


def test_headers_ended_by_bare_lf_are_parsed():
    response = parse_response(b"HTTP/1.1 404 Not Found\nContent-Length: 2\n\nno", closed=False)
    assert (response.status, response.headers, response.body, response.complete) == (
        404, (("Content-Length", "2"),), b"no", True)
    assert parse_request(b"GET / HTTP/1.0\nHost: x\n\n").header("host") == "x"


def test_bare_lf_head_ends_at_the_first_blank_line_even_if_the_body_holds_crlf_crlf():
    response = parse_response(b"HTTP/1.1 200 OK\nContent-Length: 6\n\nab\r\n\r\n", closed=True)
    assert (response.headers, response.body) == ((("Content-Length", "6"),), b"ab\r\n\r\n")


@pytest.mark.parametrize("data", [b"hello there\r\n\r\n", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
                                  b"GET /hello\r\n\r\n", b"GET /hello FTP/1.0\r\n\r\n",
                                  b"GET / HTTP/1.1\r\nHost 127.0.0.1\r\n\r\n"])
def test_garbage_request_is_rejected_with_h11s_reason(data):
    h11_rejection(parse_request, data)


@pytest.mark.parametrize("data", [b"hello there\r\n\r\n", b"HTTP/1.1 OK\r\n\r\n", b"HTTP/1.1 \xb200 OK\r\n\r\n"])
def test_garbage_response_is_rejected_with_h11s_reason(data):
    h11_rejection(parse_response, data, True)


@pytest.mark.parametrize("value", [b"abc", b"-1", b"1e3", b"0x10", b"\xb9"])
def test_bad_content_length_is_rejected(value):
    h11_rejection(parse_response, b"HTTP/1.1 200 OK\r\nContent-Length: " + value + b"\r\n\r\nbody", True)


def test_response_that_is_one_unended_line_raises_head_cut_short():
    with pytest.raises(HttpHeadCutShort):
        parse_response(b"SSH-2.0-OpenSSH_9.6\r\n", closed=True)


def test_messages_are_read_only_as_far_as_asked_and_an_error_is_raised_again_each_time():
    messages = requests_in(REQUEST + b"\x00 not http\r\n\r\n")
    assert messages.first().method == "GET"  # the garbage after it is not read for the first
    with pytest.raises(HttpParseError) as first:
        messages.all()
    with pytest.raises(HttpParseError) as again:
        messages.all()
    assert again.value is first.value
    assert [request.method for request in messages.readable()] == ["GET"]


def test_the_first_final_response_skips_interim_ones():
    responses = responses_in(b"HTTP/1.1 100 Continue\r\n\r\n" + ARTICLE_RESPONSE, closed=True)
    assert responses.first(is_final).status == 200
    assert responses.first().status == 100
