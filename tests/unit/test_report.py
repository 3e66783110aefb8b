"""The ladder drawing of a connection: title, one line a frame, relative times and numbers, excerpts and marks."""

import re

from crafted import (
    CLIENT_FIN,
    HANDSHAKE_ACK,
    LAST_ACK,
    REQUEST,
    REQUEST_DATA,
    RESPONSE_DATA,
    SERVER_FIN,
    SYN,
    SYN_ACK,
    T0,
    Talk,
    analyse,
    exchange,
    only_connection,
)

from wirecheck.render._ladder import EXCERPT_CHARACTERS, excerpt, ladder


def lines_of(connection, marks=None) -> list[str]:
    return ladder(connection, marks).split("\n")


def test_ladder_has_a_title_and_one_line_per_frame():
    connection = only_connection(exchange())
    assert len(lines_of(connection)) == 1 + len(connection.segments) == 9


def test_title_names_the_ends_state_and_history():
    title = lines_of(only_connection(exchange()))[0]
    assert title.startswith("127.0.0.1:43210 -> 127.0.0.1:8080")
    assert "state SF (established, closed by both sides)" in title
    assert title.endswith("history ShADdfFa")


def test_times_are_relative_to_the_connections_first_frame():
    lines = lines_of(only_connection(exchange()))
    times = [line.split()[0] for line in lines[1:]]
    assert times == ["+0.000000", "+0.000030", "+0.000060", "+0.000200", "+0.000500", "+0.000600", "+0.000800",
                     "+0.000900"]


def test_times_of_a_later_connection_start_at_zero_too():
    second = analyse(exchange(T0) + exchange(T0 + 5.0, client_port=50000))[1]
    assert lines_of(second)[1].split()[0] == "+0.000000"


def test_directions_say_who_sent_each_frame():
    directions = [line.split()[1:4] for line in lines_of(only_connection(exchange()))[1:]]
    assert [" ".join(words) for words in directions] == [
        "C -> S", "S -> C", "C -> S", "C -> S", "S -> C", "S -> C", "C -> S", "S -> C"]


def test_flags_are_shown_in_brackets():
    flags = [re.search(r"\[(\w+)\]", line).group(1) for line in lines_of(only_connection(exchange()))[1:]]
    assert flags == ["S", "SA", "A", "PA", "PA", "FA", "FA", "A"]


def test_sequence_and_ack_numbers_are_relative_to_each_sides_initial_number():
    lines = lines_of(only_connection(exchange()))[1:]
    request_end, response_end = Talk().request_end, Talk().response_end
    assert lines[SYN].endswith("seq=0")
    assert lines[SYN_ACK].endswith("seq=0 ack=1")
    assert lines[HANDSHAKE_ACK].endswith("[A]   ack=1")
    assert f"seq=1 ack=1 len={len(REQUEST)}" in lines[REQUEST_DATA]
    assert f"seq=1 ack={request_end} len=" in lines[RESPONSE_DATA]
    assert lines[SERVER_FIN].endswith(f"seq={response_end} ack={request_end}")
    assert lines[CLIENT_FIN].endswith(f"seq={request_end} ack={response_end + 1}")
    assert lines[LAST_ACK].endswith(f"ack={request_end + 1}")


def test_relative_numbers_survive_sequence_wraparound():
    lines = lines_of(only_connection(Talk(client_isn=2**32 - 1, server_isn=2**32 - 2).frames()))[1:]
    assert lines[SYN_ACK].endswith("seq=0 ack=1")
    assert f"seq=1 ack=1 len={len(REQUEST)}" in lines[REQUEST_DATA]


def test_payload_lines_show_the_first_line_of_the_payload_in_quotes():
    lines = lines_of(only_connection(exchange()))[1:]
    assert lines[REQUEST_DATA].endswith('"GET /hello HTTP/1.1"')
    assert lines[RESPONSE_DATA].endswith('"HTTP/1.1 200 OK"')


def test_excerpt_is_cut_short_and_replaces_unprintable_bytes():
    assert excerpt(b"a" * 40 + b"\r\nrest") == '"' + "a" * EXCERPT_CHARACTERS + '"...'
    assert excerpt(b"\x16\x03\x01hi\xff\r\n") == '"...hi."'


def test_marks_are_appended_with_an_arrow_to_their_frames_only():
    connection = only_connection(exchange())
    lines = lines_of(connection, {REQUEST_DATA: "request", SERVER_FIN: "server FIN 0.000 s after the response"})[1:]
    assert lines[REQUEST_DATA].endswith(" <- request")
    assert lines[SERVER_FIN].endswith(" <- server FIN 0.000 s after the response")
    assert [index for index, line in enumerate(lines) if "<-" in line] == [REQUEST_DATA, SERVER_FIN]


def test_marks_line_up_in_one_column():
    lines = lines_of(only_connection(exchange()), {SYN: "one", SERVER_FIN: "two"})[1:]
    assert lines[SYN].index("<-") == lines[SERVER_FIN].index("<-")


def test_connection_without_syn_counts_from_the_first_byte_seen():
    lines = lines_of(only_connection(exchange()[REQUEST_DATA:]))
    assert "state OTH" in lines[0]
    assert f"seq=1 ack=1 len={len(REQUEST)}" in lines[1]
