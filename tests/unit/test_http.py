"""Parsing HTTP/1.x requests and responses from reassembled bytes: fields, framing, completeness and errors."""

import pytest
from crafted import BODY, REQUEST, RESPONSE

from wirecheck.http import HttpParseError, parse_request, parse_response

CLOSE_RESPONSE = b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n" + BODY
CHUNKED_HEAD = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"


def test_curl_get_gives_method_target_and_start_line():
    request = parse_request(REQUEST)
    assert (request.method, request.target, request.start_line) == ("GET", "/hello", "GET /hello HTTP/1.1")


def test_curl_get_headers_in_order_and_found_in_any_case():
    request = parse_request(REQUEST)
    assert request.headers == (("Host", "127.0.0.1:8080"), ("User-Agent", "curl/8.5.0"), ("Accept", "*/*"))
    assert request.header("user-agent") == "curl/8.5.0"
    assert request.header("Cookie") is None


def test_curl_get_is_complete_without_a_body():
    request = parse_request(REQUEST)
    assert (request.complete, request.framing, request.body) == (True, "none", b"")


def test_request_with_content_length_is_complete_only_with_all_its_body():
    head = b"POST /form HTTP/1.1\r\nContent-Length: 5\r\n\r\n"
    assert parse_request(head + b"ab").complete is False
    full = parse_request(head + b"abcde")
    assert (full.complete, full.body, full.framing) == (True, b"abcde", "content-length")


def test_request_cut_before_the_end_of_its_headers_raises():
    with pytest.raises(HttpParseError, match="no end of headers"):
        parse_request(REQUEST[:30])


def test_response_without_content_length_is_complete_only_when_closed():
    open_response = parse_response(CLOSE_RESPONSE, closed=False)
    closed_response = parse_response(CLOSE_RESPONSE, closed=True)
    assert (open_response.complete, open_response.framing, open_response.body) == (False, "close", BODY)
    assert (closed_response.complete, closed_response.framing) == (True, "close")


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


def test_chunked_response_with_its_last_chunk_is_complete_and_dechunked():
    response = parse_response(CHUNKED_HEAD + b"7;ext=1\r\nHello, \r\n7\r\nWorld!\n\r\n0\r\n\r\n", closed=False)
    assert (response.body, response.complete, response.framing) == (BODY, True, "chunked")


@pytest.mark.parametrize("tail", [b"7\r\nHello, \r\n", b"7\r\nHel", b"7", b""])
def test_chunked_response_without_its_last_chunk_is_incomplete(tail):
    response = parse_response(CHUNKED_HEAD + tail, closed=True)
    assert (response.complete, response.framing) == (False, "chunked")
    assert BODY.startswith(response.body)


def test_bad_chunk_size_raises():
    with pytest.raises(HttpParseError, match="bad chunk size"):
        parse_response(CHUNKED_HEAD + b"zz\r\nHello\r\n", closed=True)


def test_headers_ended_by_bare_lf_are_parsed():
    response = parse_response(b"HTTP/1.1 404 Not Found\nContent-Length: 2\n\nno", closed=False)
    assert (response.status, response.headers, response.body, response.complete) == (
        404, (("Content-Length", "2"),), b"no", True)
    assert parse_request(b"GET / HTTP/1.0\nHost: x\n\n").header("host") == "x"


@pytest.mark.parametrize("data", [b"hello there\r\n\r\n", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
                                  b"GET /hello\r\n\r\n", b"GET /hello FTP/1.0\r\n\r\n"])
def test_garbage_request_raises(data):
    with pytest.raises(HttpParseError):
        parse_request(data)


@pytest.mark.parametrize("data", [b"hello there\r\n\r\n", b"HTTP/1.1 OK\r\n\r\n", b"", b"SSH-2.0-OpenSSH_9.6\r\n"])
def test_garbage_response_raises(data):
    with pytest.raises(HttpParseError):
        parse_response(data, closed=True)


def test_header_line_without_a_colon_raises():
    with pytest.raises(HttpParseError, match="malformed header line"):
        parse_request(b"GET / HTTP/1.1\r\nHost 127.0.0.1\r\n\r\n")


@pytest.mark.parametrize("value", [b"abc", b"-1", b"1e3", b"0x10"])
def test_bad_content_length_raises(value):
    with pytest.raises(HttpParseError, match="bad Content-Length"):
        parse_response(b"HTTP/1.1 200 OK\r\nContent-Length: " + value + b"\r\n\r\nbody", closed=True)


def test_content_length_of_a_superscript_digit_raises_http_parse_error():
    with pytest.raises(HttpParseError):
        parse_response(b"HTTP/1.1 200 OK\r\nContent-Length: \xb9\r\n\r\nbody", closed=True)


def test_bare_lf_head_ends_at_the_first_blank_line_even_if_the_body_holds_crlf_crlf():
    response = parse_response(b"HTTP/1.1 200 OK\nContent-Length: 6\n\nab\r\n\r\n", closed=True)
    assert (response.headers, response.body) == ((("Content-Length", "6"),), b"ab\r\n\r\n")


@pytest.mark.parametrize("chunks", [b"-c\r\n", b"-3\r\nabc\r\n0\r\n\r\n"])
def test_negative_chunk_size_raises_instead_of_looping_or_inventing_a_body(chunks):
    with pytest.raises(HttpParseError):
        parse_response(CHUNKED_HEAD + chunks, closed=True)
