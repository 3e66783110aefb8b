"""The clients the checks drive: curl, as users run it, and a plain socket client."""

import socket
import subprocess
import time
from dataclasses import dataclass

CURL_TIMED_OUT = 28  # curl's exit status when --max-time runs out


@dataclass(frozen=True)
class CurlResult:
    returncode: int
    output: bytes  # what curl printed: status line, headers and body (-i)
    stderr: str
    seconds: float


def curl(url: str, max_time: float) -> CurlResult:
    """Fetch `url` with curl, printing the whole response as received; give up after `max_time`."""
    started = time.monotonic()
    done = subprocess.run(["curl", "--silent", "--show-error", "--include", "--max-time", f"{max_time:g}", url],
                          capture_output=True, timeout=max_time + 5)
    return CurlResult(done.returncode, done.stdout, done.stderr.decode(errors="replace"),
                      time.monotonic() - started)


def request_bytes(path: str, host: str, port: int) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode()


def http_get(port: int, path: str = "/hello", host: str = "127.0.0.1", timeout: float = 5.0) -> bytes:
    """Send one GET and read until the server closes; return everything received."""
    with socket.create_connection((host, port), timeout=timeout) as connection:
        connection.sendall(request_bytes(path, host, port))
        return read_until_closed(connection)


def read_until_closed(connection: socket.socket) -> bytes:
    received = bytearray()
    while chunk := connection.recv(65536):
        received += chunk
    return bytes(received)
