"""Grouping crafted segments into connections: ends, handshake, reassembly, retransmissions, holes and Zeek states."""

import pytest
from crafted import (
    CLIENT_FIN,
    CLIENT_PORT,
    HANDSHAKE_ACK,
    REQUEST,
    REQUEST_DATA,
    RESPONSE,
    RESPONSE_DATA,
    SERVER_FIN,
    SERVER_PORT,
    SYN,
    SYN_ACK,
    T0,
    Talk,
    analyse,
    duplicated,
    exchange,
    only_connection,
)
from scapy.layers.inet import TCP

TALK = Talk()


def test_normal_exchange_is_one_connection_closed_by_both_sides():
    connection = only_connection(exchange())
    assert connection.state == "SF"
    assert connection.established


def test_normal_exchange_client_is_the_syn_sender_and_server_the_listening_port():
    connection = only_connection(exchange())
    assert connection.client == ("127.0.0.1", CLIENT_PORT)
    assert connection.server == ("127.0.0.1", SERVER_PORT)


def test_normal_exchange_handshake_segments_are_the_first_three_frames():
    connection = only_connection(exchange())
    assert (connection.syn.index, connection.syn_ack.index, connection.handshake_ack.index) == (
        SYN, SYN_ACK, HANDSHAKE_ACK)


def test_normal_exchange_reassembles_request_and_response_without_gaps_or_retransmissions():
    connection = only_connection(exchange())
    client, server = connection.sent_by_client, connection.sent_by_server
    assert (client.data, server.data) == (REQUEST, RESPONSE)
    assert (client.first_data.index, client.last_data.index) == (REQUEST_DATA, REQUEST_DATA)
    assert (server.first_data.index, server.last_data.index) == (RESPONSE_DATA, RESPONSE_DATA)
    assert (client.gap, server.gap, client.retransmissions, server.retransmissions) == (False, False, 0, 0)


def test_normal_exchange_records_fins_history_and_server_as_first_closer():
    connection = only_connection(exchange())
    assert connection.sent_by_server.fin.index == SERVER_FIN
    assert connection.sent_by_client.fin.index == CLIENT_FIN
    assert connection.history == "ShADdfFa"
    assert connection.first_closer == "server"


def test_every_frame_seen_twice_gives_the_same_data_and_counts_the_copies_as_retransmissions():
    connection = only_connection(duplicated(exchange()))
    client, server = connection.sent_by_client, connection.sent_by_server
    assert (connection.state, client.data, server.data) == ("SF", REQUEST, RESPONSE)
    assert (client.retransmissions, server.retransmissions) == (1, 1)
    assert connection.syn.index == 0 and connection.handshake_ack.index == 4
    assert "T" in connection.history and "t" in connection.history


def test_retransmitted_data_segment_is_not_added_twice():
    frames = exchange()
    frames.insert(SERVER_FIN, TALK.response_data(T0 + 0.2))
    server = only_connection(frames).sent_by_server
    assert server.data == RESPONSE
    assert server.retransmissions == 1
    assert server.last_data.index == RESPONSE_DATA
    assert "t" in only_connection(frames).history


def test_partly_overlapping_retransmission_adds_only_its_new_bytes():
    frames = exchange()
    frames[REQUEST_DATA:REQUEST_DATA + 1] = [TALK.request_data(T0 + 0.0001, REQUEST[:40]),
                                             TALK.request_data(T0 + 0.0002, REQUEST[20:], at=20)]
    assert only_connection(frames).sent_by_client.data == REQUEST


def test_data_split_over_segments_in_order_is_joined():
    frames = exchange()
    frames[REQUEST_DATA:REQUEST_DATA + 1] = [TALK.request_data(T0 + 0.0001 * n, REQUEST[start:start + 30], at=start)
                                             for n, start in enumerate(range(0, len(REQUEST), 30), 1)]
    client = only_connection(frames).sent_by_client
    assert client.data == REQUEST
    assert not client.gap


def test_out_of_order_data_is_reassembled_in_sequence_order():
    frames = exchange()
    frames[REQUEST_DATA:REQUEST_DATA + 1] = [TALK.request_data(T0 + 0.0001, REQUEST[40:], at=40),
                                             TALK.request_data(T0 + 0.0002, REQUEST[:40])]
    client = only_connection(frames).sent_by_client
    assert client.data == REQUEST
    assert not client.gap
    assert client.retransmissions == 0


def test_hole_in_the_data_sets_gap_and_data_stops_at_the_hole():
    frames = exchange()
    frames[REQUEST_DATA:REQUEST_DATA + 1] = [TALK.request_data(T0 + 0.0001, REQUEST[:30]),
                                             TALK.request_data(T0 + 0.0003, REQUEST[60:], at=60)]
    connection = only_connection(frames)
    assert connection.sent_by_client.gap
    assert connection.sent_by_client.data == REQUEST[:30]
    assert "G" in connection.history


def test_server_rst_instead_of_fin_is_rstr_and_the_server_closed_first():
    frames = exchange()[:SERVER_FIN] + [TALK.server_rst(T0 + 0.001)]
    connection = only_connection(frames)
    assert connection.state == "RSTR"
    assert connection.sent_by_server.rst.index == SERVER_FIN
    assert connection.first_closer == "server"
    assert "r" in connection.history


def test_client_rst_is_rsto_and_the_client_closed_first():
    frames = exchange()[:SERVER_FIN] + [TALK.client_rst(T0 + 0.001)]
    connection = only_connection(frames)
    assert connection.state == "RSTO"
    assert connection.first_closer == "client"
    assert "R" in connection.history


def test_syn_answered_by_rst_is_rej():
    frames = [TALK.syn(T0), TALK.by_server(T0 + 0.00001, "RA", 0, 1)]
    connection = only_connection(frames)
    assert connection.state == "REJ"
    assert not connection.established


def test_syn_alone_is_s0():
    connection = only_connection([TALK.syn(T0)])
    assert connection.state == "S0"
    assert connection.history == "S"
    assert connection.first_closer is None


def test_syn_then_client_fin_without_syn_ack_is_sh():
    assert only_connection([TALK.syn(T0), TALK.by_client(T0 + 1, "F", 1)]).state == "SH"


def test_established_connection_nobody_closed_is_s1():
    connection = only_connection(exchange()[:SERVER_FIN])
    assert connection.state == "S1"
    assert connection.first_closer is None


def test_simultaneous_close_with_both_fins_before_either_ack_is_sf():
    frames = exchange()[:SERVER_FIN] + [
        TALK.server_fin(T0 + 0.001), TALK.client_fin(T0 + 0.001001, after_server_fin=False),
        TALK.by_client(T0 + 0.001002, "A", TALK.request_end + 1, TALK.response_end + 1),
        TALK.by_server(T0 + 0.001003, "A", TALK.response_end + 1, TALK.request_end + 1)]
    connection = only_connection(frames)
    assert connection.state == "SF"
    assert connection.first_closer == "server"


def test_server_fin_without_client_fin_is_s3():
    connection = only_connection(exchange()[:CLIENT_FIN])
    assert connection.state == "S3"
    assert connection.sent_by_client.fin is None


def test_client_fin_only_is_s2_with_the_client_as_first_closer():
    frames = exchange()[:SERVER_FIN] + [TALK.client_fin(T0 + 0.001, after_server_fin=False),
                                        TALK.server_ack_of_client_fin(T0 + 0.0011)]
    connection = only_connection(frames)
    assert connection.state == "S2"
    assert connection.first_closer == "client"


def test_connection_seen_without_its_syn_is_oth_with_the_client_decided_by_server_port():
    connection = only_connection(exchange()[RESPONSE_DATA:])  # the server speaks first
    assert connection.state == "OTH"
    assert connection.client == ("127.0.0.1", CLIENT_PORT)
    assert connection.server == ("127.0.0.1", SERVER_PORT)


def test_connection_seen_without_its_syn_reassembles_from_the_first_byte_seen():
    connection = only_connection(exchange()[REQUEST_DATA:])
    assert (connection.sent_by_client.data, connection.sent_by_server.data) == (REQUEST, RESPONSE)


def test_two_client_ports_are_two_connections_in_order_of_their_first_segment():
    first, second = Talk(client_port=40001), Talk(client_port=40002, client_isn=99)
    frames = [frame for pair in zip(second.frames(T0), first.frames(T0 + 0.00001), strict=True) for frame in pair]
    found = analyse(frames)
    assert [connection.client[1] for connection in found] == [40002, 40001]
    assert all(connection.state == "SF" for connection in found)
    assert all(len(connection.segments) == 8 for connection in found)
    assert [connection.sent_by_client.data for connection in found] == [REQUEST, REQUEST]


def test_new_syn_with_another_seq_on_a_reused_port_pair_starts_a_second_connection():
    frames = exchange(T0) + exchange(T0 + 1.0, client_isn=123_456_789, server_isn=42)
    found = analyse(frames)
    assert len(found) == 2
    assert [connection.syn.index for connection in found] == [0, 8]
    assert [(connection.state, connection.sent_by_server.data) for connection in found] == [("SF", RESPONSE)] * 2
    assert [connection.sent_by_client.retransmissions for connection in found] == [0, 0]


@pytest.mark.parametrize(("client_isn", "server_isn"), [(2**32 - 10, 2**32 - 1), (2**32 - 1, 2**32 - 40)])
def test_sequence_number_wraparound_reassembles_correctly(client_isn, server_isn):
    talk = Talk(client_isn=client_isn, server_isn=server_isn)
    frames = talk.frames()
    frames[REQUEST_DATA:REQUEST_DATA + 1] = [talk.request_data(T0 + 0.0001, REQUEST[:30]),
                                             talk.request_data(T0 + 0.0002, REQUEST[30:], at=30)]
    connection = only_connection(frames)
    assert (connection.sent_by_client.data, connection.sent_by_server.data) == (REQUEST, RESPONSE)
    assert connection.handshake_ack is not None
    assert (connection.state, connection.sent_by_client.gap, connection.sent_by_client.retransmissions) == (
        "SF", False, 0)


def test_retransmission_filling_a_hole_completes_the_data():
    frames = exchange()
    frames[REQUEST_DATA:REQUEST_DATA + 1] = [TALK.request_data(T0 + 0.0001, REQUEST[:30]),
                                             TALK.request_data(T0 + 0.0002, REQUEST[60:], at=60),
                                             TALK.request_data(T0 + 0.2, REQUEST[30:60], at=30)]
    client = only_connection(frames).sent_by_client
    assert client.data == REQUEST
    assert not client.gap


def test_packets_are_dissected_by_scapy_on_first_use_only_one_per_segment_with_its_flags_payload_and_time():
    connection = only_connection(exchange())
    assert "packets" not in vars(connection), "dissected before anyone asked"
    packets = connection.packets
    assert [str(packet[TCP].flags) for packet in packets] == [s.flag_text for s in connection.segments]
    assert packets[SERVER_FIN][TCP].flags == "FA" and packets[SERVER_FIN][TCP].sport == SERVER_PORT
    assert bytes(packets[REQUEST_DATA][TCP].payload) == REQUEST
    assert [float(packet.time) for packet in packets] == [s.time for s in connection.segments]
    assert connection.packets is packets, "dissected twice"


def test_a_sides_ending_is_its_first_fin_or_rst_and_a_reset_only_when_the_rst_came_first():
    fin_then_rst = only_connection(exchange() + [TALK.server_rst(T0 + 0.01)])
    server = fin_then_rst.sent_by_server
    assert server.ending is server.fin and not server.reset
    rst_only = only_connection(exchange()[:SERVER_FIN] + [TALK.server_rst(T0 + 0.001)]).sent_by_server
    assert rst_only.ending is rst_only.rst and rst_only.reset
    assert fin_then_rst.closing is server.fin  # the server's FIN is the connection's first close


def test_a_connections_messages_are_parsed_once_and_a_response_ends_at_the_servers_fin():
    connection = only_connection(exchange())
    assert connection.requests is connection.requests
    assert connection.requests.first().target == "/hello"
    response, = connection.responses.all()
    assert response.complete and response.status == 200


def test_sequence_numbers_wrap_and_an_ack_past_the_wrap_has_reached_its_mark():
    from wirecheck.model._frames import SEQUENCE_SPACE, seq_distance, seq_plus, seq_reached

    near_end = SEQUENCE_SPACE - 2
    assert seq_plus(near_end, 5) == 3
    assert seq_distance(near_end, 3) == 5
    assert seq_reached(3, near_end) and not seq_reached(near_end, 3)
