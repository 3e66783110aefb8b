"""Probe what real servers do on the wire for the connection behaviours the gate does not check yet.

    python3 bench/wire_probes.py                 # every server of bench/real_servers.py, installed already
    python3 bench/wire_probes.py --only nginx    # some of them

A scratch instrument for setting the gate's expectations (issue 11), not a test: each probe is
one plain socket client, bounded in time, and its evidence is the probe's own connection as
the gate's capture saw it (wirecheck.capture, wirecheck.model), squeezed into one line: `C`/`S`
for who sent it, data lengths, F for FIN, R for RST, times relative to the probe's SYN; the
handshake and pure ACKs are left out. Servers are started, signalled and ended by the gate's own
ServerProcess (as `nobody`, on a port from its free_port), and responses are read as the gate
reads them (h11, wirecheck.model._http). Needs root (the capture; servers run as `nobody`) and
the installs that `real_servers.py` makes. Loopback only. Prints one JSON line per server and probe.

The probes, in order, each on a connection of its own: two keep-alive requests then the idle
close; `Connection: close` with a second request in the same segment; a POST whose 1 MiB
body the app never reads; a request and the client's FIN in one segment, and 50 ms apart;
HTTP/1.0; `Expect: 100-continue`; a request head trickled a byte every 0.5 s; and the
graceful stop signal with an idle keep-alive connection open and a client arriving 0.2 s
after the signal. Evidence like `C35@0.000 S165@0.001 SF@0.305 CF@0.507` reads: the client
sent 35 bytes, the server 165 bytes 1 ms later, the server's FIN at 0.305 s, the client's
FIN at 0.507 s.
"""

import argparse
import json
import os
import re
import select
import signal
import socket
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from real_servers import DEFAULT_CACHE, Server, real_servers  # noqa: E402  (puts the clone on sys.path)

from wirecheck.capture import _pcapng_writer as pcapng  # noqa: E402
from wirecheck.capture._loopback import LoopbackCapture  # noqa: E402
from wirecheck.clients._held import read_response  # noqa: E402
from wirecheck.model._flows import connections  # noqa: E402
from wirecheck.model._frames import FIN, RST, SYN, Segment, decode_all  # noqa: E402
from wirecheck.model._http import HttpParseError, is_complete_response, parse_response, parse_responses  # noqa: E402
from wirecheck.server._ports import LISTEN_TIMEOUT_SECONDS, free_port, release_port, with_port  # noqa: E402
from wirecheck.server._privileges import DEFAULT_SERVER_USER  # noqa: E402
from wirecheck.server._process import ServerProcess  # noqa: E402

HOST = "127.0.0.1"
IDLE_WINDOW = 10.0  # how long an idle keep-alive connection is watched for the server's close
REPLY_WAIT = 5.0  # how long a probe waits for an answer or a close it expects
TRICKLE_INTERVAL = 0.5  # one byte of request head every this many seconds
TRICKLE_BOUND = 15.0  # a trickling client gives up after this long
HALF_CLOSE_PAUSE = 0.05  # long enough for any of these servers to read a request here
EXPECT_WAIT = 1.0  # `100 Continue` should come within this
STOP_BOUND = 15.0  # a server not gone this long after its stop signal is killed
LATE_CLIENT_AFTER = 0.2  # a client connects this long after the stop signal
BIG_BODY = 1 << 20
POST_CHUNK, POST_PACE = 32768, 0.01  # 1 MiB in about 0.3 s: the answer comes while the client is still sending
PARALLEL_SERVERS = 3


@dataclass
class Finding:
    """What one probe saw: a one-line summary from the client's side, and its connection's frames."""

    probe: str
    summary: str
    client_port: int = 0
    evidence: str = ""
    other_ports: tuple[int, ...] = ()  # more connections of the same probe, shown after its own


@dataclass
class Ending:
    """How the server's side of a connection ended as the client saw it, and when (seconds since `since`)."""

    how: str  # "FIN", "RST", or "open" when the client gave up first
    after: float
    data: bytes = b""


@dataclass
class ServerRun:
    """Every probe's finding for one server, in the order they ran (graceful stop last: it ends the server)."""

    server: Server
    findings: list[Finding] = field(default_factory=list)


def main() -> int:
    args = parse_args()
    servers = [server for server in real_servers(args.cache_dir) if not args.only or server.name in args.only]
    with ThreadPoolExecutor(PARALLEL_SERVERS) as pool:
        runs = list(pool.map(lambda server: probe_server(server, args.keep_pcaps), servers))
    for run in runs:
        for finding in run.findings:
            print(json.dumps({"server": run.server.name, **finding.__dict__}))
    return 0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--only", nargs="+", metavar="NAME")
    parser.add_argument("--keep-pcaps", type=Path, metavar="DIR", help="keep each server's capture here")
    return parser.parse_args()


# -- one server --------------------------------------------------------------------------------------------------

def probe_server(server: Server, keep_pcaps: Path | None) -> ServerRun:
    """Every probe against one server, on a port and under a capture of its own, as the gate runs a server."""
    run = ServerRun(server)
    with tempfile.TemporaryDirectory(prefix="wire-probes-") as scratch:
        os.chmod(scratch, 0o1777)  # the server's working directory: it runs as nobody
        port = free_port()
        capture = LoopbackCapture(port)
        process = ServerProcess(with_port(server.argv, port), Path(scratch) / "server.log", cwd=Path(scratch),
                                user=DEFAULT_SERVER_USER)
        capture.start()
        try:
            process.start()
            process.wait_listening(port, LISTEN_TIMEOUT_SECONDS)
            for probe in (keep_alive, close_with_pipelined, unwanted_big_post, half_close_same_segment,
                          half_close_after_a_pause, http10, expect_continue, trickled_head):
                run.findings.append(guarded(probe, port))
            run.findings.append(guarded(lambda p: graceful_stop(p, process, server.stop_signal), port))
        finally:
            try:
                process.stop()
            finally:
                result = capture.stop()
                release_port(port)
        if result.loss:
            raise RuntimeError(f"{server.name}: the capture is incomplete: {result.loss}")
        segments = by_client_port(decode_all(result.frames), port)
        for finding in run.findings:
            finding.evidence = " | ".join(squeeze(segments.get(client, []), client)
                                          for client in (finding.client_port, *finding.other_ports))
        if keep_pcaps:
            pcapng.write(keep_pcaps / (re.sub(r"\W+", "_", server.name) + ".pcapng"), result.frames, {})
    return run


def guarded(probe: Callable[[int], Finding], port: int) -> Finding:
    try:
        return probe(port)
    except OSError as error:
        return Finding(getattr(probe, "__name__", "probe"), f"probe failed: {error!r}")


# -- the probes --------------------------------------------------------------------------------------------------

def request(method: str = "GET", version: str = "HTTP/1.1", headers: tuple[str, ...] = ()) -> bytes:
    lines = [f"{method} / {version}", "Host: localhost", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def connect(port: int) -> socket.socket:
    sock = socket.create_connection((HOST, port), timeout=REPLY_WAIT)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def answer(sock: socket.socket) -> str:
    """The start line of one whole response, read as the gate reads one (wirecheck.clients._held, h11's framing);
    ConnectionError when none came whole within REPLY_WAIT."""
    data = read_response(sock, REPLY_WAIT)
    try:
        response = parse_response(data, closed=True)  # a body that ends at the close is whole if the close came
    except HttpParseError as error:
        raise ConnectionError(f"no whole response ({error}): {data[:60]!r}") from error
    if not response.complete:
        raise ConnectionError(f"no whole response: {data[:60]!r}")
    return response.start_line


def wait_end(sock: socket.socket, bound: float, since: float) -> Ending:
    """Read until the server's FIN or RST, or `bound` seconds; what came is kept."""
    data = b""
    deadline = time.monotonic() + bound
    while (left := deadline - time.monotonic()) > 0:
        sock.settimeout(left)
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            break
        except ConnectionResetError:
            return Ending("RST", time.monotonic() - since, data)
        if not chunk:
            return Ending("FIN", time.monotonic() - since, data)
        data += chunk
    return Ending("open", time.monotonic() - since, data)


def statuses(data: bytes) -> list[str]:
    """The start lines of the responses in `data`, interim ones too, as the gate's HTTP model reads them."""
    try:
        return [response.start_line for response in parse_responses(data, closed=True)]
    except HttpParseError as error:
        return [f"(not HTTP: {error})"]


def keep_alive(port: int) -> Finding:
    with connect(port) as sock:
        client = sock.getsockname()[1]
        sock.sendall(request())
        first = answer(sock)
        try:
            sock.sendall(request())
            second = answer(sock)
        except OSError as error:
            return Finding("keep-alive", f"1st {first}; 2nd not answered ({type(error).__name__}): no keep-alive",
                           client)
        answered = time.monotonic()
        end = wait_end(sock, IDLE_WINDOW, answered)
    idle = f"> {IDLE_WINDOW:g} s (still open)" if end.how == "open" else f"{end.how} {end.after:.2f} s after 2nd"
    return Finding("keep-alive", f"both answered ({first} / {second}); idle close: {idle}", client)


def exchange(port: int, probe: str, send: Callable[[socket.socket], None]) -> Finding:
    """Connect, let `send` write, then read until the server's FIN or RST: which responses came, how it ended."""
    with connect(port) as sock:
        client = sock.getsockname()[1]
        sent = time.monotonic()
        send(sock)
        end = wait_end(sock, REPLY_WAIT, sent)
    return Finding(probe, f"responses {statuses(end.data)}, then {end.how} at {end.after:.3f} s", client)


def close_with_pipelined(port: int) -> Finding:
    return exchange(port, "Connection: close + pipelined",
                    lambda sock: sock.sendall(request(headers=("Connection: close",)) + request()))


def unwanted_big_post(port: int) -> Finding:
    """POST with a 1 MiB body the app never reads, paced so the client is still sending when the answer comes."""
    with connect(port) as sock:
        client = sock.getsockname()[1]
        sock.sendall(request("POST", headers=(f"Content-Length: {BIG_BODY}", "Content-Type: text/plain")))
        sock.setblocking(False)
        body, sent, received, events, server_fin = b"x" * BIG_BODY, 0, b"", [], False
        start = time.monotonic()
        while (elapsed := time.monotonic() - start) < REPLY_WAIT and not (server_fin and sent == BIG_BODY):
            if sent < BIG_BODY and elapsed >= sent / POST_CHUNK * POST_PACE:
                try:
                    sent += sock.send(body[sent:sent + POST_CHUNK])
                except BlockingIOError:
                    pass
                except (ConnectionResetError, BrokenPipeError) as error:
                    events.append(f"{type(error).__name__} on send at {elapsed:.3f} s, body sent {sent}")
                    break
                if sent == BIG_BODY:
                    events.append(f"body all sent at {elapsed:.3f} s")
            if server_fin or not select.select([sock], [], [], POST_PACE)[0]:
                time.sleep(POST_PACE if server_fin else 0)
                continue
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                events.append(f"RST on recv at {time.monotonic() - start:.3f} s, body sent {sent}")
                break
            if not chunk:
                server_fin = True
                events.append(f"FIN at {time.monotonic() - start:.3f} s, body sent {sent}")
            elif not received:
                events.append(f"response at {time.monotonic() - start:.3f} s, body sent {sent}")
            received += chunk
        else:
            if not server_fin:
                events.append(f"still open at {REPLY_WAIT:g} s")
    whole = "whole" if is_complete_response(received, closed=server_fin) else "cut or none"
    return Finding("unwanted 1 MiB POST", f"{statuses(received)} ({whole}); " + "; ".join(events), client)


def half_close_same_segment(port: int) -> Finding:
    """The request and the client's FIN in one segment (corked), so the server sees both at once."""
    def send(sock: socket.socket) -> None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1)
        sock.sendall(request())
        sock.shutdown(socket.SHUT_WR)  # flushes the corked request with the FIN flag on it
    return exchange(port, "request+FIN in one segment", send)


def half_close_after_a_pause(port: int) -> Finding:
    """The request, then the client's FIN a moment later, once the server has had time to read the request."""
    def send(sock: socket.socket) -> None:
        sock.sendall(request())
        time.sleep(HALF_CLOSE_PAUSE)
        sock.shutdown(socket.SHUT_WR)
    return exchange(port, f"request, FIN {HALF_CLOSE_PAUSE:g} s later", send)


def http10(port: int) -> Finding:
    return exchange(port, "HTTP/1.0", lambda sock: sock.sendall(request(version="HTTP/1.0")))


def expect_continue(port: int) -> Finding:
    with connect(port) as sock:
        client = sock.getsockname()[1]
        sock.sendall(request("POST", headers=("Content-Length: 5", "Content-Type: text/plain",
                                              "Expect: 100-continue")))
        sent = time.monotonic()
        sock.settimeout(EXPECT_WAIT)
        try:
            first = sock.recv(65536)
        except TimeoutError:
            first = None
        waited = time.monotonic() - sent
        if first is None or _continues(first):
            sock.sendall(b"hello")
            rest = wait_end(sock, REPLY_WAIT, sent)
            after = f"after the body: {statuses(rest.data)}, then {rest.how} at {rest.after:.3f} s"
        else:
            rest = wait_end(sock, REPLY_WAIT, sent)
            after = f"body not sent; then {rest.how} at {rest.after:.3f} s"
    within = f"{statuses(first)} first, at {waited:.3f} s" if first else f"nothing within {EXPECT_WAIT:g} s"
    return Finding("Expect: 100-continue", f"{within}; {after}", client)


def _continues(data: bytes) -> bool:
    """Whether `data` begins with a `100 Continue`."""
    try:
        responses = parse_responses(data, closed=False)
    except HttpParseError:
        return False
    return bool(responses) and responses[0].status == 100


def trickled_head(port: int) -> Finding:
    head = request(headers=("X-Padding: " + "a" * 200,))[:-2]  # never complete within the bound
    with connect(port) as sock:
        client = sock.getsockname()[1]
        start = time.monotonic()
        for byte in head:
            try:
                sock.send(bytes([byte]))
            except (BrokenPipeError, ConnectionResetError) as error:
                return Finding("trickled head", f"{type(error).__name__} on send at {time.monotonic() - start:.2f} s",
                               client)
            end = wait_end(sock, TRICKLE_INTERVAL, start)
            if end.how != "open":
                return Finding("trickled head", f"cut off: {statuses(end.data) or 'no status'}, {end.how} at "
                               f"{end.after:.2f} s", client)
            if time.monotonic() - start > TRICKLE_BOUND:
                break
    return Finding("trickled head", f"not cut off within {TRICKLE_BOUND:g} s", client)


def graceful_stop(port: int, process: ServerProcess, stop_signal: str) -> Finding:
    """An idle keep-alive connection, then the stop signal: how that connection ends, a late client, time to exit."""
    idle = connect(port)
    client = idle.getsockname()[1]
    idle.sendall(request())
    answer(idle)
    time.sleep(0.3)
    before = wait_end(idle, 0.01, time.monotonic())
    if before.how != "open":
        idle.close()
        idle_story = f"no idle connection to watch: the server {before.how}ed it before the signal"
    signalled = time.monotonic()
    process.signal(getattr(signal, f"SIG{stop_signal}"))  # to its process group, as the gate signals it
    with ThreadPoolExecutor(1) as late_pool:
        late = late_pool.submit(_late_client, port, LATE_CLIENT_AFTER)
        if before.how == "open":
            end = wait_end(idle, STOP_BOUND, signalled)
            idle.close()
            idle_story = f"idle conn {end.how} at {end.after:.3f} s"
        late_story, late_port = late.result()
    alive = process.wait_tree_exit(max(0.0, STOP_BOUND - (time.monotonic() - signalled)))
    gone = f"tree not gone after {STOP_BOUND:g} s" if alive else f"tree gone at {time.monotonic() - signalled:.2f} s"
    return Finding("graceful stop", f"SIG{stop_signal}: {idle_story}; client {LATE_CLIENT_AFTER:g} s after the "
                   f"signal: {late_story}; {gone}", client, other_ports=(late_port,) if late_port else ())


def _late_client(port: int, after: float) -> tuple[str, int]:
    """A client that connects `after` seconds from now: refused, served, or accepted and dropped."""
    time.sleep(after)
    try:
        with connect(port) as sock:
            sock.sendall(request(headers=("Connection: close",)))
            end = wait_end(sock, 2.0, time.monotonic())
            return f"{statuses(end.data) or 'no response'}, {end.how}", sock.getsockname()[1]
    except ConnectionRefusedError:
        return "refused", 0


# -- the evidence ------------------------------------------------------------------------------------------------

def by_client_port(segments: list[Segment], port: int) -> dict[int, list[Segment]]:
    """The capture's segments per client port, from the gate's own connection model (a port used twice: both)."""
    found: dict[int, list[Segment]] = {}
    for connection in connections(segments, port):
        found.setdefault(connection.client[1], []).extend(connection.segments)
    return found


def squeeze(segments: list[Segment], client: int) -> str:
    """One line: data lengths, FINs and RSTs with their times since the SYN; runs of data from one side merged."""
    if not segments:
        return "(no frames)"
    start, parts = segments[0].time, []
    for segment in segments:
        side, length = ("C" if segment.sport == client else "S"), len(segment.payload)
        marks = (str(length) if length else "") + ("F" if segment.has(FIN) else "") + ("R" if segment.has(RST) else "")
        if not marks or segment.has(SYN):
            continue
        if parts and parts[-1][1] == side and marks.isdigit() and parts[-1][2].isdigit():
            parts[-1] = (parts[-1][0], side, str(int(parts[-1][2]) + length))
            continue
        parts.append((segment.time - start, side, marks))
    return " ".join(f"{side}{marks}@{at:.3f}" for at, side, marks in parts)


if __name__ == "__main__":
    sys.exit(main())
