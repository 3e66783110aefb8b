"""TLS on a captured connection (wirecheck/model/_tls*.py), from real sessions made in-process (tests/unit/tls_talk.py):
records framed and tied to their frames, the hellos read, decrypted with the client's key log, HTTP parsed from the
plaintext, alerts named, and what cannot be read said so."""

import sys

import pytest
from crafted import exchange, only_connection
from tls_talk import REQUEST, RESPONSE, Session, Wire, frames, session

from wirecheck.checks._endings import head_cut_off
from wirecheck.checks._http import idle_close, no_reset_while_sending
from wirecheck.checks._timing import Tolerance
from wirecheck.model._tls_keys import KeyLog

SUITES = [
    ("1.3", "TLS_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256"),
    ("1.3", "TLS_AES_256_GCM_SHA384", "TLS_AES_256_GCM_SHA384"),
    ("1.3", "TLS_CHACHA20_POLY1305_SHA256", "TLS_CHACHA20_POLY1305_SHA256"),
    ("1.2", "ECDHE-ECDSA-AES128-GCM-SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"),
    ("1.2", "ECDHE-ECDSA-AES256-GCM-SHA384", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"),
    ("1.2", "ECDHE-ECDSA-CHACHA20-POLY1305", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"),
]
TLS13_LADDER = [
    (True, "ClientHello"), (False, "ServerHello"), (False, "ChangeCipherSpec"), (False, "EncryptedExtensions"),
    (False, "Certificate"), (False, "CertificateVerify"), (False, "Finished"), (True, "ChangeCipherSpec"),
    (True, "Finished"), (False, "NewSessionTicket"), (False, "NewSessionTicket"),
    (True, 'Application Data "GET /hello HTTP/1.1"'), (False, 'Application Data "HTTP/1.1 200 OK"'),
    (False, "Alert close_notify"), (True, "Alert close_notify"),
]
# the flights of a whole session, by their place in Session.flights
CLIENT_HELLO, SERVER_HELLO, CLIENT_FINISHED, SERVER_LAST, REQUEST_FLIGHT, RESPONSE_FLIGHT = range(6)
SERVER_CLOSE, CLIENT_CLOSE = 6, 7
UPLOAD_HEAD = b"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000\r\n\r\n"  # its body never comes


def secret_lines(keylog: str) -> list[str]:
    """The key log's secrets, without the comment Python's ssl writes first."""
    return [line for line in keylog.splitlines() if not line.startswith("#")]


def connection_of(tls_session: Session, keylog: str | None = None, segment_size: int = 100_000):
    wire = frames(tls_session, segment_size)
    return wire, wire.connection(tls_session.keylog if keylog is None else keylog)


@pytest.mark.parametrize("version, forced, name", SUITES, ids=[name for _, _, name in SUITES])
def test_each_aead_suite_is_decrypted_and_the_http_read_from_the_plaintext(version, forced, name):
    _, connection = connection_of(session(version, forced))
    tls = connection.tls
    assert (tls.version, tls.cipher, tls.alpn) == (f"TLSv{version}", name, "http/1.1")
    assert (tls.plaintext(True), tls.plaintext(False)) == (REQUEST, RESPONSE)
    request, response = connection.requests.first(), connection.responses.first()
    assert (request.target, response.status, response.body) == ("/hello", 200, b"Hello, World!\n")


def test_the_zero_padding_of_tls13_records_is_no_plaintext():
    tls_session = session("1.3", padding=256)
    _, connection = connection_of(tls_session)
    response_record = tls_session.flights[RESPONSE_FLIGHT][1]
    assert len(response_record) - 5 - 16 == 256  # header, tag: the plaintext was padded (the premise)
    assert connection.tls.plaintext(False) == RESPONSE


def test_after_a_key_update_the_records_that_follow_are_read_with_the_next_keys():
    _, connection = connection_of(session("1.3", key_update=True))
    assert [record.description for record in connection.tls.side_records(False)][-3:] == [
        "KeyUpdate", 'Application Data "HTTP/1.1 200 OK"', "Alert close_notify"]


def test_a_tls13_session_is_one_record_a_line_in_capture_order_each_described_for_the_ladder():
    _, connection = connection_of(session("1.3"))
    assert [(record.from_client, record.description) for record in connection.tls.records] == TLS13_LADDER
    assert all(record.complete and record.not_decrypted is None for record in connection.tls.records)


def test_the_client_hello_gives_the_client_random_the_server_name_and_the_protocols_offered():
    tls_session = session("1.2", "ECDHE-ECDSA-AES128-GCM-SHA256")
    tls = connection_of(tls_session)[1].tls
    assert (tls.client_hello.server_name, tls.client_hello.alpn) == ("localhost", ("h2", "http/1.1"))
    assert KeyLog(tls_session.keylog).lines_for([tls.client_random]).splitlines() == secret_lines(tls_session.keylog)


def test_a_hello_retry_request_is_recognised_and_the_session_still_decrypted():
    _, connection = connection_of(session("1.3", server_group="secp384r1"))
    assert connection.tls.hello_retry
    assert [record.description for record in connection.tls.records][:5] == [
        "ClientHello", "HelloRetryRequest", "ChangeCipherSpec", "ChangeCipherSpec", "ClientHello"]
    assert connection.requests.first().target == "/hello"


@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_close_notify_of_each_side_is_found_in_the_frame_that_carried_it(version):
    wire, connection = connection_of(session(version))
    for from_client, flight in ((False, SERVER_CLOSE), (True, CLIENT_CLOSE)):
        assert connection.tls.close_notify(from_client).completed_by.index == wire.flights[flight][0]


@pytest.mark.parametrize("server_end", ["FA", "RA"])
def test_the_server_whose_close_notify_came_first_closed_first_though_the_clients_fin_came_first(server_end):
    """As asyncio's servers close: their FIN waits for the client's close_notify, which comes with its FIN."""
    wire = frames(session("1.3"))
    wire.close(from_client=True)
    ending = wire.close(from_client=False, flags=server_end)
    connection = wire.connection(session("1.3").keylog)
    assert connection.first_closer == "server"
    assert connection.close_begun(False).index == wire.flights[SERVER_CLOSE][0]
    verdict = idle_close(connection, window=5.0)
    assert verdict.figures["idle_close"] == ("fin" if server_end == "FA" else "rst")
    assert verdict.kinds == ([] if server_end == "FA" else ["rst-instead-of-fin"])
    assert verdict.connection.sent_by_server.ending.index == ending


def test_a_head_cut_off_over_tls_is_timed_from_its_first_record_to_the_servers_close_notify():
    """Not from the ClientHello, nor to the server's FIN: its client's close_notify and FIN came first."""
    wire = frames(session("1.3"))
    wire.close(from_client=True)
    wire.close(from_client=False)
    connection = wire.connection(session("1.3").keylog)
    at = {segment.index: segment for segment in connection.segments}
    took = at[wire.flights[SERVER_CLOSE][0]].time - at[wire.flights[REQUEST_FLIGHT][0]].time
    verdict = head_cut_off(connection, took, Tolerance(0, 0))
    assert verdict.ok and verdict.figures["header_timeout"] == took, verdict.problems


@pytest.mark.parametrize("server_end, kinds", [("RA", ["reset-while-sending"]), ("FA", [])])
def test_an_upload_answered_early_is_timed_from_the_response_record_not_from_the_close_notify_after_it(server_end,
                                                                                                       kinds):
    """The linger runs from the frame of the response's last record to the RST or, with none, to the client's last
    upload record (which came before the response: 0): neither side's close_notify is part of the exchange."""
    upload = session("1.3", request=UPLOAD_HEAD)
    wire = frames(upload)
    ending = wire.close(from_client=False, flags=server_end)
    verdict = no_reset_while_sending(wire.connection(upload.keylog), window=5.0)
    answered = wire.frames[wire.flights[RESPONSE_FLIGHT][-1]].time
    assert verdict.kinds == kinds
    assert verdict.figures["linger"] == pytest.approx(wire.frames[ending].time - answered if kinds else 0.0)


def test_an_upload_whose_server_closed_with_close_notify_and_whose_client_reset_before_the_fin_ended_by_fin():
    """A client that closes at once after its close_notify and FIN resets at the server's close_notify, which then
    has no FIN behind it (aiohttp over TLS): the server had closed, not kept the connection open."""
    upload = session("1.3", request=UPLOAD_HEAD)
    wire = frames(upload)
    wire.close(from_client=True, flags="RA")
    verdict = no_reset_while_sending(wire.connection(upload.keylog), window=5.0)
    assert verdict.ok and verdict.figures["upload_end"] == "fin"


def test_without_the_key_the_first_fin_says_who_closed_first():
    wire = frames(session("1.3"))
    wire.close(from_client=True)
    wire.close(from_client=False)
    assert wire.connection("").first_closer == "client"


def test_an_alert_other_than_close_notify_is_named_with_its_level():
    _, connection = connection_of(session("1.3", trusted=False))
    assert [(alert.level, alert.description) for alert in connection.tls.alerts(True)] == [("fatal", "unknown_ca")]
    assert connection.tls.close_notify(True) is None


@pytest.mark.parametrize("keylog", [None, ""], ids=["with the key", "without it, by its place"])
@pytest.mark.parametrize("version, finished_last", [("1.3", CLIENT_FINISHED), ("1.2", SERVER_LAST)])
def test_the_handshake_completes_in_the_frame_of_the_later_finished(version, finished_last, keylog):
    wire, connection = connection_of(session(version), keylog=keylog)
    assert connection.tls.handshake_complete.index == wire.flights[finished_last][-1]
    first_frame = wire.frames[wire.flights[CLIENT_HELLO][0]]
    assert connection.tls.handshake_time == pytest.approx(wire.frames[wire.flights[finished_last][-1]].time
                                                          - first_frame.time)


def test_a_record_split_across_segments_is_complete_in_the_segment_that_carried_its_last_byte():
    wire, connection = connection_of(session("1.3"), segment_size=20)
    request_frames = wire.flights[REQUEST_FLIGHT]
    record = next(r for r in connection.tls.records if r.description.startswith('Application Data "GET'))
    assert (record.first.index, record.last.index, record.completed_by.index) == (
        request_frames[0], request_frames[-1], request_frames[-1])
    assert connection.tls.segment_at(True, 0).index == request_frames[-1]
    stream = connection.stream(True)
    assert (stream.first_data.index, stream.last_data.index) == (request_frames[-1], request_frames[-1])
    assert (stream.bytes_before(request_frames[-1]), stream.bytes_before(request_frames[-1] + 1)) == (0, len(REQUEST))


def test_a_retransmission_does_not_move_a_record_to_a_later_frame():
    tls_session = session("1.3")
    wire = frames(tls_session)
    request_at = sum(len(data) for from_client, data in tls_session.flights[:REQUEST_FLIGHT] if from_client)
    wire.send(True, tls_session.flights[REQUEST_FLIGHT][1], at=request_at)  # again, after everything
    connection = wire.connection(tls_session.keylog)
    assert "T" in connection.history
    assert connection.tls.segment_at(True, 0).index == wire.flights[REQUEST_FLIGHT][0]


def test_a_stream_that_ends_inside_a_record_reports_that_record_incomplete():
    tls_session = session("1.3", close=False)
    wire = Wire()
    *whole, (_, last) = tls_session.flights  # the response, its last 4 bytes not captured
    for from_client, data in [*whole, (False, last[:-4])]:
        wire.send(from_client, data)
    records = wire.connection(tls_session.keylog).tls.side_records(False)
    assert (records[-1].complete, records[-1].description) == (False, "Application Data (incomplete)")
    assert records[-1].end - records[-1].start == len(last) - 4


def test_without_the_key_each_encrypted_record_says_so_and_http_is_read_from_the_tcp_bytes():
    _, connection = connection_of(session("1.3"), keylog="")
    tls = connection.tls
    encrypted = [record for record in tls.records if record.encrypted]
    assert encrypted and {record.description for record in encrypted} == {"encrypted (no key)"}
    assert (tls.version, tls.cipher, tls.decrypted, tls.plaintext(True)) == ("TLSv1.3", "TLS_AES_256_GCM_SHA384",
                                                                             False, b"")
    assert connection.stream(True) is connection.sent_by_client


@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_a_wrong_key_is_reported_as_an_authentication_failure(version):
    tls_session = session(version)
    wrong = "".join(f"{label} {random} {'00' * (len(secret) // 2)}\n" for label, random, secret in
                    (line.split() for line in secret_lines(tls_session.keylog)))
    _, connection = connection_of(tls_session, keylog=wrong)
    reasons = {record.not_decrypted for record in connection.tls.records if record.encrypted}
    assert reasons == {"authentication failed: a wrong key, or the record was altered"}


def test_a_cipher_suite_that_is_no_aead_is_named_and_reported_not_decrypted():
    _, connection = connection_of(session("1.2", "ECDHE-ECDSA-AES128-SHA"))
    reasons = {record.not_decrypted for record in connection.tls.records if record.encrypted}
    assert connection.tls.cipher == "0xC009"
    assert reasons == {"the cipher suite 0xC009 is not decrypted (only AES-GCM and ChaCha20-Poly1305)"}


def test_without_cryptography_the_encrypted_records_name_the_extra_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "cryptography", None)  # as in an install without it: the import fails
    _, connection = connection_of(session("1.2"))
    reasons = {record.not_decrypted for record in connection.tls.records if record.encrypted}
    assert len(reasons) == 1 and "pip install 'wirecheck[tls]'" in reasons.pop()


def test_the_key_log_keeps_each_connections_lines_apart_and_skips_what_is_no_secret():
    first, second = session("1.3"), session("1.2")
    keylog = KeyLog(f"# a comment\n\n{first.keylog}{second.keylog}CLIENT_RANDOM 00zz 11\n")
    (line,) = secret_lines(second.keylog)
    _, random, secret = line.split()
    assert keylog.lines_for([bytes.fromhex(random)]) == f"{line}\n"
    assert keylog.secret(bytes.fromhex(random), "CLIENT_RANDOM") == bytes.fromhex(secret)


def test_a_plain_tcp_connection_has_no_tls_and_http_reads_its_bytes():
    connection = only_connection(exchange())
    assert connection.tls is None and connection.stream(False) is connection.sent_by_server
