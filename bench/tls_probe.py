"""How real servers end a TLS connection: each server's TLS variant (bench/real_servers.py --list-tls), probed from
the socket with Python's ssl, and printed as a Markdown table.

    sudo .venv/bin/python bench/tls_probe.py                       # every server that speaks TLS
    sudo .venv/bin/python bench/tls_probe.py --only nginx node-http
    sudo .venv/bin/python bench/tls_probe.py --capture DIR         # also a pcap and key log per server, and the
                                                                   # frames (tshark) that show each ending

Not part of CI. Servers start one at a time as `nobody` (as the gate runs them), each with a fresh throwaway CA
and certificate (trustme, in a venv of its own under --cache-dir/tls/venvs), and are stopped with their graceful
signal. The client clears OP_IGNORE_UNEXPECTED_EOF and sets suppress_ragged_eofs=False, so that a bare FIN
(an unexpected EOF, SSLEOFError) and a close_notify (b"") read differently. Per server and TLS version (1.3, 1.2):

  - Connection: close: how the server ends the connection after its response: close_notify then FIN, a bare FIN,
    or RST (what follows a close_notify is read from the TCP socket beneath).
  - the client's close_notify: after a keep-alive response the client sends close_notify (`unwrap()`) and waits
    WAIT_SECONDS: the server answers with close_notify (then FIN), closes with a bare FIN, resets, or does nothing.
  - HTTP/1.0: a request without keep-alive: how the body is delimited (Content-Length, chunked, or only by the
    end of the connection, where a bare FIN would make a truncated body look whole) and how it ends.
  - negotiation: the version and cipher, and the ALPN protocol chosen when h2 and http/1.1 are offered.
"""

import argparse
import contextlib
import datetime
import os
import select
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))
import real_servers  # noqa: E402

from wirecheck.server._privileges import as_user  # noqa: E402  # the gate's own way to run a server as nobody

WAIT_SECONDS = 2.0  # for each answer the client waits for
# After a close_notify, how long the client waits for the FIN after a Connection: close response: asyncio's servers
# wait for the client's close_notify up to their ssl_shutdown_timeout (30 s) before they close the TCP connection.
LINGER_SECONDS = 40.0
LISTEN_SECONDS = 20.0  # a server's start, until it accepts a connection
STOP_SECONDS = 10.0  # a graceful stop, before the server's process group is killed
SERVER_USER = "nobody"
VERSIONS = {"TLS 1.3": ssl.TLSVersion.TLSv1_3, "TLS 1.2": ssl.TLSVersion.TLSv1_2}
# A throwaway CA and a certificate for 127.0.0.1 it signed: the chain, its key, and the CA's own, as PEM files.
CERTIFICATE_SCRIPT = '''\
import sys
from pathlib import Path

import trustme

directory = Path(sys.argv[1])
ca = trustme.CA()
certificate = ca.issue_cert("127.0.0.1", "localhost")
directory.joinpath("cert.pem").write_bytes(b"".join(blob.bytes() for blob in certificate.cert_chain_pems))
certificate.private_key_pem.write_to_path(str(directory / "key.pem"))
ca.cert_pem.write_to_path(str(directory / "ca.pem"))
'''


@dataclass(frozen=True)
class Certificate:
    cert: Path
    key: Path
    ca: Path


@dataclass
class Probe:
    """One server at one TLS version: what the client saw, and the client port of each case (for the capture)."""

    server: str
    server_version: str
    tls: str
    server_port: int = 0
    negotiated: str = "-"
    alpn: str = "-"
    connection_close: str = "-"
    client_close_notify: str = "-"
    http10: str = "-"
    ports: dict[str, int] = field(default_factory=dict)

    @property
    def handshaken(self) -> bool:
        return self.negotiated.startswith("TLSv")


def main() -> int:
    args = parse_args()
    cache = args.cache_dir.resolve()
    install(cache)
    servers = [server for server in real_servers.real_servers(cache)
               if server.tls_argv and (not args.only or server.name in args.only)]
    if args.capture:
        args.capture.mkdir(parents=True, exist_ok=True)
    probes, frames = [], []
    for server in servers:
        print(f"tls_probe: {server.name}: {server.tls_command}", file=sys.stderr, flush=True)
        server_probes = probe_server(server, cache / "tls", args.capture)
        probes += server_probes
        if args.capture:
            frames += frame_lines(server.name, server_probes, args.capture)
    print(render(probes, frames))
    return 0 if probes and all(probe.handshaken for probe in probes) else 1


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cache-dir", type=Path, default=real_servers.DEFAULT_CACHE,
                        help=f"where real_servers.py installs the servers (default {real_servers.DEFAULT_CACHE})")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="probe only these servers")
    parser.add_argument("--capture", type=Path, metavar="DIR",
                        help="capture each server's connections (tcpdump) with a key log into DIR, and list the "
                             "frames that show each ending (tshark)")
    return parser.parse_args()


def install(cache: Path) -> None:
    """What the TLS variants need and the plain servers do not: only under --cache-dir/tls/, so that a run of the
    plain servers going on beside this one reads the same files throughout (their own install is
    real_servers.py's: run it once first)."""
    real_servers.install_packages(real_servers.APT_PACKAGES)
    real_servers.install_venvs(cache / "tls" / "venvs", {"trustme": ["trustme"]})
    real_servers.write_tls_files(cache)


# -- one server --------------------------------------------------------------------------------------------------

def probe_server(server: real_servers.Server, tls: Path, capture: Path | None) -> list[Probe]:
    """Start the server with a fresh certificate on a free port, probe it at each TLS version, stop it."""
    slug = server.name.replace(".", "_")
    with tempfile.TemporaryDirectory(dir=tls / "run", prefix=f"{slug}-") as scratch:
        os.chmod(scratch, 0o755)  # the server's user reads the certificate and key in here
        certificate = make_certificate(tls, Path(scratch))
        port = free_port()
        argv = [part.replace("{port}", str(port)).replace("{cert}", str(certificate.cert))
                .replace("{key}", str(certificate.key)) for part in server.tls_argv or []]
        keylog = capture / f"{slug}.keys" if capture else None
        if keylog:
            keylog.unlink(missing_ok=True)  # ssl appends to a key log: an earlier run's secrets are not this one's
        with running(argv, Path(scratch) / "server.log", server.stop_signal), \
                capturing(port, capture / f"{slug}.pcap" if capture else None):
            if not wait_until_listening(port):
                log = (Path(scratch) / "server.log").read_text(errors="replace")
                print(f"tls_probe: {server.name} did not listen:\n{log[-2000:]}", file=sys.stderr)
                return [Probe(server.name, server.version(), name, port, "did not listen") for name in VERSIONS]
            return [probe_version(server, name, version, port, certificate.ca, keylog)
                    for name, version in VERSIONS.items()]


def make_certificate(tls: Path, directory: Path) -> Certificate:
    python = tls / "venvs" / "trustme" / "bin" / "python"
    subprocess.run([str(python), "-c", CERTIFICATE_SCRIPT, str(directory)], check=True, timeout=60)
    for pem in directory.iterdir():
        pem.chmod(0o644)  # a throwaway key: the server's user must read it
    return Certificate(directory / "cert.pem", directory / "key.pem", directory / "ca.pem")


def free_port() -> int:
    """A port the kernel has free now (the determinism run beside this one picks its own)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def running(argv: list[str], log: Path, stop_signal: str):
    """The server as `nobody`, in a session of its own; stopped by its graceful signal, its group killed after
    STOP_SECONDS if anything of it is left."""
    command, identity = as_user(argv, SERVER_USER)
    with log.open("w") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
                                   **identity)
    try:
        yield process
    finally:
        stop(process, stop_signal)


def stop(process: subprocess.Popen, stop_signal: str) -> None:
    """The graceful signal to the server (its leader, as the gate sends it); whatever of its group is left after
    STOP_SECONDS (a worker nobody waited for) is killed."""
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(getattr(signal, f"SIG{stop_signal}"))
    deadline = time.monotonic() + STOP_SECONDS
    while (process.poll() is None or real_servers.process_group(process.pid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=STOP_SECONDS)


def wait_until_listening(port: int) -> bool:
    deadline = time.monotonic() + LISTEN_SECONDS
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=WAIT_SECONDS):
            return True
        time.sleep(0.1)
    return False


@contextlib.contextmanager
def capturing(port: int, pcap: Path | None):
    """tcpdump on the loopback for the server's port into `pcap` (nothing for None), until the block ends."""
    if pcap is None:
        yield
        return
    # --immediate-mode: else the frames of the last second wait in the kernel's ring, and SIGINT loses them;
    # -B (KiB): a roomy buffer, as the loopback is busy with another run's bursts.
    tcpdump = subprocess.Popen(["tcpdump", "-i", "lo", "--immediate-mode", "-B", "16384", "-U", "-n", "-Z", "root",
                                "-w", str(pcap), f"tcp port {port}"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        ready, _, _ = select.select([tcpdump.stderr], [], [], LISTEN_SECONDS)  # "listening on lo": it captures
        if ready:
            tcpdump.stderr.readline()
        yield
    finally:
        time.sleep(0.5)  # the last frames reach the capture
        tcpdump.send_signal(signal.SIGINT)
        try:
            _, statistics = tcpdump.communicate(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            tcpdump.kill()
            _, statistics = tcpdump.communicate()
        print(f"tls_probe: tcpdump: {' '.join(statistics.split())}", file=sys.stderr)  # drops show here


# -- the probes --------------------------------------------------------------------------------------------------

def probe_version(server: real_servers.Server, name: str, version: ssl.TLSVersion, port: int, ca: Path,
                  keylog: Path | None) -> Probe:
    probe = Probe(server.name, server.version(), name, port)
    http11 = client_context(version, ca, ["http/1.1"], keylog)
    probe.negotiated, probe.alpn = negotiate(port, client_context(version, ca, ["h2", "http/1.1"], keylog))
    probe.connection_close, probe.ports["Connection: close"] = request_to_the_end(
        port, http11, b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", LINGER_SECONDS)
    probe.http10, probe.ports["HTTP/1.0"] = request_to_the_end(port, http11, b"GET / HTTP/1.0\r\n\r\n",
                                                                WAIT_SECONDS)
    probe.client_close_notify, probe.ports["client's close_notify"] = close_notify_after_keep_alive(port, http11)
    return probe


def client_context(version: ssl.TLSVersion, ca: Path, alpn: list[str], keylog: Path | None) -> ssl.SSLContext:
    """Trusts the throwaway CA, speaks `version` alone, and tells an unexpected EOF from a close_notify."""
    context = ssl.create_default_context(cafile=str(ca))
    context.options &= ~ssl.OP_IGNORE_UNEXPECTED_EOF
    context.minimum_version = context.maximum_version = version
    context.set_alpn_protocols(alpn)
    if keylog:
        context.keylog_filename = str(keylog)
    return context


def connect(port: int, context: ssl.SSLContext) -> ssl.SSLSocket:
    raw = socket.create_connection(("127.0.0.1", port), timeout=WAIT_SECONDS)
    try:
        return context.wrap_socket(raw, server_hostname="127.0.0.1", suppress_ragged_eofs=False)
    except BaseException:
        raw.close()
        raise


def negotiate(port: int, context: ssl.SSLContext) -> tuple[str, str]:
    """The version and cipher, and the ALPN protocol chosen; the client then leaves with close_notify."""
    try:
        with connect(port, context) as tls:
            cipher = tls.cipher()
            negotiated = f"{tls.version()} {cipher[0] if cipher else '?'}"
            alpn = tls.selected_alpn_protocol() or "none"
            with contextlib.suppress(OSError):
                tls.unwrap()
            return negotiated, alpn
    except OSError as error:
        return f"handshake failed: {describe(error)}", "-"


def request_to_the_end(port: int, context: ssl.SSLContext, request: bytes, linger: float) -> tuple[str, int]:
    """Send `request` and read until the connection ends: the body's framing and the ending (waiting up to `linger`
    for the FIN after a close_notify), and the client port."""
    try:
        with connect(port, context) as tls:
            client_port = tls.getsockname()[1]
            tls.sendall(request)
            received, ending = read_to_the_end(tls, linger)
            return f"{framing(received)}; {ending}", client_port
    except OSError as error:
        return f"failed: {describe(error)}", 0


def read_to_the_end(tls: ssl.SSLSocket, linger: float) -> tuple[bytes, str]:
    """Everything the server sends, and how it ended: close_notify (then what the TCP socket saw within `linger`),
    a bare FIN, RST, or nothing within WAIT_SECONDS of the last byte."""
    received = b""
    while True:
        try:
            chunk = tls.recv(65536)
        except OSError as error:
            return received, describe(error)
        if not chunk:
            return received, f"close_notify, then {after_close_notify(tls, linger)}"
        received += chunk


def after_close_notify(tls: ssl.SSLSocket, linger: float) -> str:
    """What the TCP connection beneath does after the server's close_notify: FIN or RST (and after how long), or
    nothing within `linger`. Read from a duplicate of the socket: the TLS layer has taken the alert record, no more."""
    started = time.monotonic()
    with socket.socket(fileno=os.dup(tls.fileno())) as raw:
        raw.settimeout(linger)
        try:
            data = raw.recv(1)
        except TimeoutError:
            return f"nothing within {linger:g} s"
        except OSError as error:
            return f"{describe(error)} {seconds(time.monotonic() - started)}"
        return f"FIN {seconds(time.monotonic() - started)}" if not data else "more bytes"


def close_notify_after_keep_alive(port: int, context: ssl.SSLContext) -> tuple[str, int]:
    """After one whole keep-alive response the client sends close_notify (unwrap) and waits for the answer."""
    try:
        with connect(port, context) as tls:
            client_port = tls.getsockname()[1]
            tls.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            if not kept_alive(read_one_response(tls)):
                return f"no keep-alive, the response ends with {read_to_the_end(tls, WAIT_SECONDS)[1]}", client_port
            started = time.monotonic()
            try:
                raw = tls.unwrap()
            except OSError as error:
                return f"{describe(error)} {seconds(time.monotonic() - started)}", client_port
            with raw:
                raw.settimeout(WAIT_SECONDS)
                try:
                    then = "FIN" if not raw.recv(1) else "more bytes"
                except OSError as error:
                    then = describe(error)
            return f"close_notify {seconds(time.monotonic() - started)}, then {then}", client_port
    except OSError as error:
        return f"failed: {describe(error)}", 0


def read_one_response(tls: ssl.SSLSocket) -> bytes:
    """A response with a Content-Length or chunked body, read whole (the apps' responses are short)."""
    received = b""
    while not whole(received):
        chunk = tls.recv(65536)
        if not chunk:
            break
        received += chunk
    return received


def kept_alive(response: bytes) -> bool:
    """Whether the server keeps the connection after `response`: HTTP/1.1 unless it says close (the apps' servers
    answer HTTP/1.0 only to keep-alive clients or not at all)."""
    head = response.partition(b"\r\n\r\n")[0]
    connection = (header(head, b"connection") or b"").lower()
    return b"close" not in connection and (head.startswith(b"HTTP/1.1") or b"keep-alive" in connection)


def whole(received: bytes) -> bool:
    head, found, body = received.partition(b"\r\n\r\n")
    if not found:
        return False
    length = header(head, b"content-length")
    if length is not None:
        return len(body) >= int(length)
    return body.endswith(b"0\r\n\r\n")


def header(head: bytes, name: bytes) -> bytes | None:
    for line in head.split(b"\r\n")[1:]:
        key, _, value = line.partition(b":")
        if key.strip().lower() == name:
            return value.strip()
    return None


def framing(received: bytes) -> str:
    """How the response's body is delimited: by its Content-Length, chunked, or by the end of the connection."""
    head, found, _ = received.partition(b"\r\n\r\n")
    if not found:
        return f"no whole response ({len(received)} bytes)"
    if header(head, b"content-length") is not None:
        return "Content-Length"
    if b"chunked" in (header(head, b"transfer-encoding") or b"").lower():
        return "chunked"
    return "close-delimited"


def describe(error: OSError) -> str:
    """A bare FIN reads as an unexpected EOF once OP_IGNORE_UNEXPECTED_EOF is cleared."""
    if isinstance(error, ssl.SSLEOFError) or getattr(error, "reason", None) == "UNEXPECTED_EOF_WHILE_READING":
        return "bare FIN (unexpected EOF)"
    if isinstance(error, (ConnectionResetError, BrokenPipeError)):
        return "RST"
    if isinstance(error, TimeoutError):
        return f"nothing within {WAIT_SECONDS:g} s"
    return f"{type(error).__name__}: {getattr(error, 'reason', None) or error}"


def seconds(value: float) -> str:
    return f"({value * 1000:.1f} ms)" if value < 1 else f"({value:.1f} s)"


# -- the capture's frames ----------------------------------------------------------------------------------------

def frame_lines(server: str, probes: list[Probe], capture: Path) -> list[str]:
    """Per case, the frames of its connection that end it: each side's close_notify (decrypted with the key log),
    FIN and RST, in order, with their frame numbers in SERVER.pcap."""
    slug = server.replace(".", "_")
    pcap, keylog = capture / f"{slug}.pcap", capture / f"{slug}.keys"
    if not pcap.exists() or shutil.which("tshark") is None:
        return [f"- {server}: no capture"]
    endings = ending_frames(pcap, keylog, probes[0].server_port)
    lines = []
    for probe in probes:
        cases = "; ".join(f"{case}: {', '.join(endings.get(port, ['none']))}" for case, port in probe.ports.items())
        lines.append(f"- {server}, {probe.tls} (`{pcap.name}`): {cases}")
    return lines


# The alerts seen here: OpenSSL's client answers an unexpected EOF with a fatal decode_error of its own.
ALERTS = {"0": "close_notify", "50": "decode_error"}


def ending_frames(pcap: Path, keylog: Path, server_port: int) -> dict[int, list[str]]:
    """Client port -> the ending frames of its connection, e.g. "server close_notify #12"."""
    fields = ["frame.number", "tcp.srcport", "tcp.dstport", "tcp.flags.fin", "tcp.flags.reset",
              "tls.alert_message.desc"]
    done = subprocess.run(["tshark", "-r", str(pcap), "-o", f"tls.keylog_file:{keylog}", "-Y",
                           "tcp.flags.fin == 1 || tcp.flags.reset == 1 || tls.alert_message", "-T", "fields",
                           *(option for name in fields for option in ("-e", name)), "-E", "separator=;"],
                          capture_output=True, text=True, timeout=120)
    endings: dict[int, list[str]] = {}
    for line in done.stdout.splitlines():
        number, source, destination, fin, reset, alert = line.split(";")
        from_server = int(source) == server_port
        client_port = int(destination) if from_server else int(source)
        side = "server" if from_server else "client"
        events = [name for name, present in ((ALERTS.get(alert, f"alert {alert}"), alert != ""),
                                             ("FIN", fin in ("1", "True")), ("RST", reset in ("1", "True")))
                  if present]
        endings.setdefault(client_port, []).extend(f"{side} {event} #{number}" for event in events)
    return endings


# -- the table ---------------------------------------------------------------------------------------------------

def render(probes: list[Probe], frames: list[str]) -> str:
    today = datetime.datetime.now(datetime.timezone.utc).date().isoformat()
    header = ["server", "version", "TLS", "negotiated", "ALPN (h2, http/1.1 offered)",
              "(a) after Connection: close", "(b) answer to the client's close_notify", "(c) HTTP/1.0 response"]
    lines = [f"From `bench/tls_probe.py` on {today}, OpenSSL {ssl.OPENSSL_VERSION.split()[1]} on the client:", "",
             "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for probe in probes:
        cells = [probe.server, probe.server_version, probe.tls, probe.negotiated, probe.alpn, probe.connection_close,
                 probe.client_close_notify, probe.http10]
        lines.append("| " + " | ".join(cells) + " |")
    if frames:
        lines += ["", "The frames that show each ending (tshark, decrypted with the key log):", "", *frames]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
