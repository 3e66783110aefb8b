"""The main job: run every article server once, watch the wire, print a behaviour table.

    wirecheck verify [--delay 0.25] [--window 1.0] [--variant NAME ...]

Each server is started with the same delay between its response and its close, and
fetched once with curl, which gives up after the observation window. A row shows
what the wire proved: the handshake, the HTTP status, who sent the first FIN, how
long after the response the server's FIN came (or that it never came while the
server ran), the connection's state in Zeek's words, and whether that is what the
article says the variant does. Captures are saved for Wireshark.
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

from wirecheck import checks
from wirecheck.article import _registry as registry
from wirecheck.article import _story_page as verify_page
from wirecheck.article._registry import SERVERS, variant_command
from wirecheck.capture._loopback import can_capture
from wirecheck.checks._timing import ACK_SETTLE_SECONDS, Tolerance, seconds
from wirecheck.clients._requests import curl
from wirecheck.server._privileges import DEFAULT_SERVER_USER, choose_server_user
from wirecheck.server._process import ServerFailed, become_subreaper
from wirecheck.server._session import REPO_ROOT, WireSession

COLUMNS = ("variant", "article", "handshake", "HTTP", "first FIN", "server FIN after response", "state", "result")
WIDTHS = (max(map(len, registry.NAMES)), 7, 9, 4, 9, 42, 5)


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    reason = can_capture()
    if reason:
        print(f"wirecheck verify: {reason}", file=sys.stderr)
        return 2
    become_subreaper()
    server_user = choose_server_user(DEFAULT_SERVER_USER, REPO_ROOT, SERVERS[0].path)
    tolerance = Tolerance()
    settings = (f"Each server: response, then --delay {args.delay:g} s, then close; curl gives up after "
                f"{args.window:g} s; timing tolerance {tolerance}; {server_user.reason}.")
    print(settings + "\n")
    print(_row(COLUMNS))
    failures = 0
    verified = []
    with tempfile.TemporaryDirectory(prefix="wirecheck-verify-") as logs:
        for variant in sorted(args.variant or registry.NAMES, key=registry.NAMES.index):
            row, passed, failed_frames = _verify(variant, args, tolerance, Path(logs) / f"{variant}.log",
                                                 server_user.name)
            print(_row(row), flush=True)
            failures += not passed
            verified.append(verify_page.VerifiedServer(variant, row[1], row, passed, row[5],
                                                       args.pcap_dir / f"{variant}.pcapng", failed_frames))
    print(f"\n{len(args.variant or registry.NAMES) - failures} as expected, {failures} not. "
          f"Captures: {args.pcap_dir}/<variant>.pcapng (open them in Wireshark: Statistics > Flow Graph).")
    if args.html:
        verify_page.write(args.html, settings, COLUMNS, verified)
        print(f"HTML report: {args.html}")
    return 1 if failures else 0


def _verify(variant: str, args: argparse.Namespace, tolerance: Tolerance, log: Path,
            user: str | None) -> tuple[tuple, bool, frozenset[int]]:
    session = WireSession(variant_command(variant, delay=args.delay), log, user=user)
    try:
        session.start()
        fetched = curl(session.url("/hello"), args.window)
        time.sleep(ACK_SETTLE_SECONDS)  # the server's ACK of curl's FIN, before the server is ended
        session.close()  # ends the server: for forking_unclosed, the moment its FIN finally leaves
        return _judge(variant, session, fetched.returncode, args, tolerance)
    except ServerFailed as error:
        return _failed(variant, str(error).splitlines()[0])
    finally:
        session.close()
        session.save(args.pcap_dir / f"{variant}.pcapng")


def _judge(variant: str, session: WireSession, curl_status: int, args: argparse.Namespace,
           tolerance: Tolerance) -> tuple[tuple, bool, frozenset[int]]:
    """The variant's row, from the finished capture; the checked frames get their comments, failing ones too."""
    observation = session.observe()
    if observation.capture.loss or len(observation.connections) != 1:
        return _failed(variant, observation.capture.loss or f"{len(observation.connections)} connections, expected 1")
    connection, = observation.connections
    server = connection.sent_by_server
    if not registry.server(variant).closes:
        stopped = session.server
        closing = checks.client_fin_acknowledged_unanswered(connection, before=stopped.terminated_at).extend(
            checks.server_fin_between(connection, stopped.terminated_at, stopped.exited_at,
                                      "the server's termination", tolerance))
        fin_text = f"no server FIN (curl gave up: exit {curl_status})"
    else:
        closing = checks.server_closes(connection, delay=args.delay, tolerance=tolerance)
        fin_text = seconds(server.fin.time - server.last_data.time) if server.fin and server.last_data else "none"
    verdicts = (checks.handshake(connection),
                checks.http_exchange(connection, "/hello", 200, b"Hello, World!\n"), closing)
    for segment, text in (note for verdict in verdicts for note in verdict.notes):
        session.note(segment, text)
    problems = [problem.message for verdict in verdicts for problem in verdict.problems]
    failed = [problem for verdict in verdicts for problem in verdict.problems if problem.segment]
    for problem in failed:
        session.note(problem.segment, f"FAILED: {problem.message}")
    status = server.data.split(b" ", 2)[1].decode(errors="replace") if server.data.startswith(b"HTTP/") else "-"
    row = (variant, registry.server(variant).step, "ok" if verdicts[0].ok else "BAD", status,
           connection.first_closer or "none", fin_text, connection.state,
           "FAIL: " + "; ".join(problems) if problems else "pass")
    return row, not problems, frozenset(problem.segment.index for problem in failed)


def _failed(variant: str, reason: str) -> tuple[tuple, bool, frozenset[int]]:
    return (variant, registry.server(variant).step, "-", "-", "-", "-", "-", f"FAIL: {reason}"), False, frozenset()


def _row(cells: tuple) -> str:
    """Cells padded to their column; the last one (the result) runs free."""
    return "  ".join(f"{cell:<{width}}" for cell, width in zip(cells, (*WIDTHS, 0), strict=True)).rstrip()


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="wirecheck verify", description=__doc__.split("\n\n")[0])
    parser.add_argument("--delay", type=float, default=0.25,
                        help="seconds each server waits between response and close (default: %(default)s)")
    parser.add_argument("--window", type=float, default=1.0,
                        help="seconds curl waits for the end of the response (default: %(default)s)")
    parser.add_argument("--variant", action="append", choices=registry.NAMES, help="only this variant (repeatable)")
    # Relative to where it runs: bin/verify runs in the clone, an installed `wirecheck verify` anywhere.
    parser.add_argument("--pcap-dir", type=Path, default=Path("captures", "verify"),
                        help="where the captures go (default: %(default)s)")
    parser.add_argument("--html", type=Path, metavar="FILE",
                        help="also write the article's story as one HTML page: every server's ladder")
    args = parser.parse_args(argv)
    if args.delay < 0 or args.window <= args.delay:
        parser.error(f"need 0 <= --delay < --window, got delay {args.delay:g} and window {args.window:g}")
    return args

