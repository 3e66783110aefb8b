"""tshark's batch check reads many crafted captures with one tshark each few captures and names exactly the
captures it reads otherwise than the suite: frames doubled, comments lost, a file it cannot read."""

import os
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from crafted import HANDSHAKE_ACK, REQUEST_DATA, SERVER_FIN, T0, Talk, exchange

from wirecheck.capture import _pcapng_writer as pcapng
from wirecheck.capture._loopback import CaptureResult
from wirecheck.model._flows import connections
from wirecheck.model._frames import Frame, decode_all
from wirecheck.server._session import Observation
from wirecheck.tshark._batch import TsharkBatch
from wirecheck.tshark._check import Expectations, disagreements, expectations

pytestmark = pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark is not installed")

COMMENTS = {REQUEST_DATA: ["request: GET /hello HTTP/1.1"], SERVER_FIN: ["server FIN"]}
PORTS = (8080, 8081, 8080, 8082, 8083)  # a port twice: those two captures cannot be read by the same tshark


def saved(tmp_path, name: str, port: int, write=pcapng.write):
    """A capture of one exchange on `port`, saved by `write`, and what the suite saw in it."""
    frames = exchange(server_port=port)
    segments = decode_all(frames)
    observation = Observation(CaptureResult(frames, 2 * len(frames), 2 * len(frames), 0), segments,
                              connections(segments, port))
    path = tmp_path / f"{name}.pcapng"
    write(path, frames, COMMENTS)
    return expectations(path, observation, port, COMMENTS)


def doubled(path, frames, comments):
    pcapng.write(path, [copy for frame in frames for copy in (frame, frame)], {})


def without_comments(path, frames, comments):
    pcapng.write(path, frames, {})


def check_all(tmp_path, writers: dict[int, object]) -> dict[str, list[str]]:
    # Two batches, the first with a port twice (read by two tsharks); the test's own, not the suite's: untimed.
    batch = TsharkBatch(size=3, timed=False)
    for number, port in enumerate(PORTS):
        batch.add(f"test_{number}", saved(tmp_path, f"capture_{number}", port, writers.get(number, pcapng.write)))
    return {finding["test"]: finding["problems"] for finding in batch.settle()}


def test_doubled_frames_lost_comments_and_an_unreadable_file_are_named_by_their_test_and_the_rest_agree(tmp_path):
    def garbage(path, frames, comments):
        path.write_bytes(b"\x0a\x0d\x0d\x0a" + b"\xff" * 60)

    # The unreadable file shares a tshark with test_0's capture, which must still be read, and agree.
    found = check_all(tmp_path, {1: garbage, 2: doubled, 3: without_comments})
    assert sorted(found) == ["test_1", "test_2", "test_3"], found
    assert found["test_1"][0].startswith("tshark could not read"), found
    assert "tshark read 16 frames, the suite wrote 8" in found["test_2"]
    assert found["test_3"] == ["commented frames: tshark reads none, the suite wrote [4, 6]"]


def test_a_capture_removed_before_its_report_came_is_named_not_skipped(tmp_path):
    expected = saved(tmp_path, "removed", 8080)
    expected.path.unlink()
    batch = TsharkBatch(timed=False)
    batch.add("test_removed", expected)
    found = batch.settle()
    assert [finding["test"] for finding in found] == ["test_removed"], found
    assert found[0]["problems"] == ["tshark could not read the capture: No such file or directory"], found


def test_expectations_travel_as_plain_data_and_come_back_equal(tmp_path):
    expected = saved(tmp_path, "travels", 8080)
    data = expected.to_dict()
    assert all(not isinstance(value, (set, frozenset, Path)) for value in data.values()), data
    assert Expectations.from_dict(data) == expected
    relative = replace(expected, path=Path(os.path.relpath(expected.path)))
    assert Expectations.from_dict(relative.to_dict()).path == expected.path  # absolute: an outer run's cwd may differ


UPLOAD_HEAD = b"POST /upload HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nContent-Length: 8\r\n\r\n"
TOO_LARGE = b"HTTP/1.1 413 Content Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


def upload_answered_before_its_body_ended() -> Observation:
    """A POST whose head and half its body come, then the server's 413, then the rest of the body."""
    talk = Talk(request=UPLOAD_HEAD + b"u" * 8, response=TOO_LARGE)
    half = len(UPLOAD_HEAD) + 4
    frames = [talk.syn(T0), talk.syn_ack(T0 + 0.001), talk.handshake_ack(T0 + 0.002),
              talk.request_data(T0 + 0.003, talk.request[:half]), talk.response_data(T0 + 0.004),
              talk.request_data(T0 + 0.005, talk.request[half:], at=half), talk.server_fin(T0 + 0.006),
              talk.client_fin(T0 + 0.007), talk.last_ack(T0 + 0.008)]
    segments = decode_all(frames)
    return Observation(CaptureResult(frames, len(frames), len(frames), 0), segments, connections(segments, 8080))


def request_findings(expected: Expectations, tshark_requests: int) -> list[str]:
    rows = [{"frame.number": "1", "http.request.method": ",".join(["POST"] * tshark_requests)}]
    return [finding for finding in disagreements(expected, rows) if finding.startswith("HTTP requests")]


def test_a_request_answered_before_its_body_ended_is_no_disagreement_whether_tshark_counts_it_or_not(tmp_path):
    expected = expectations(tmp_path / "early.pcapng", upload_answered_before_its_body_ended(), 8080, {})
    assert (expected.requests, expected.requests_answered_early) == (1, 1)
    assert request_findings(expected, 0) == request_findings(expected, 1) == []
    assert request_findings(expected, 2), "tshark finding more requests than the suite is a disagreement"


def test_a_request_answered_after_its_end_must_be_counted_by_tshark_too(tmp_path):
    expected = saved(tmp_path, "normal", 8080)
    assert (expected.requests, expected.requests_answered_early) == (1, 0)
    assert request_findings(expected, 0) == ["HTTP requests: tshark found 0, the suite 1"]


def with_ipv4_id(frame: Frame, ip_id: int) -> Frame:
    data = bytearray(frame.data)
    data[18:20] = ip_id.to_bytes(2, "big")  # the checksum is left stale: loopback frames carry none worth reading
    return Frame(frame.time, bytes(data))


@pytest.mark.parametrize("ip_id, duplicates", [(0, 0), (4321, 1)], ids=["socketless-rst", "socket-frame"])
def test_two_identical_rsts_the_kernel_sent_for_no_socket_are_no_duplicate_capture(tmp_path, ip_id, duplicates):
    """Two segments for a connection the kernel no longer has draw two RSTs built from them alone, IPv4 ID 0: the
    same bytes, twice, on the wire. A frame of a socket (its own ID counter) seen twice was captured twice."""
    talk = Talk()
    frames = [*talk.frames()[:HANDSHAKE_ACK + 1], *[with_ipv4_id(talk.server_rst(T0 + 0.001), ip_id)] * 2]
    segments = decode_all(frames)
    observation = Observation(CaptureResult(frames, len(frames), len(frames), 0), segments,
                              connections(segments, 8080))
    assert expectations(tmp_path / "rsts.pcapng", observation, 8080, {}).duplicate_frames == duplicates
