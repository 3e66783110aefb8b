"""Benchmark the suite's capture against tcpdump and scapy's own sniffer on the same bursts, side by side in one run.

    python bench/capture_benchmark.py                 # bursts of 200, 2,000 and 10,000 connections
    python bench/capture_benchmark.py --bursts 500 --repeat 3

For each burst: the forking (waitpid) server on a free port, tcpdump, scapy's AsyncSniffer
(bench/scapy_sniffer.py, in its own process) and the suite's capture all listening to that
port, then client3 opening the connections as fast as it can. Printed per burst:
connections/s, frames kept by each capture, ours over tcpdump's, kernel drops (ours,
tcpdump's, scapy's), how long our capture took to get ready and to drain, the
analysis time (frames -> connections) and its rate, the analysis's peak memory, and the
CPU time scapy's sniffer process took (its dissection of the same frames).
Needs root (the captures sniff); tcpdump comes from bin/setup. The suite's own speed, serially and
with xdist, is tools/suite_speed.py's to measure.
"""

import argparse
import signal
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from scapy.utils import RawPcapReader

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from wirecheck.article._registry import client3_path, variant_command  # noqa: E402
from wirecheck.capture._loopback import LoopbackCapture, can_capture  # noqa: E402
from wirecheck.model._flows import connections  # noqa: E402
from wirecheck.model._frames import decode_all  # noqa: E402
from wirecheck.server._ports import LISTEN_TIMEOUT_SECONDS, free_port, release_port, with_port  # noqa: E402
from wirecheck.server._process import ServerProcess, become_subreaper  # noqa: E402
from wirecheck.server._session import REPO_ROOT  # noqa: E402

DEFAULT_BURSTS = (200, 2000, 10000)
CLIENT_PROCESSES = 20  # client3 children; each opens burst / 20 connections, one after another
TCPDUMP_BUFFER_KIB = 262144  # as large as ours: the comparison is of completeness, not of buffer sizes
TCPDUMP_SETTLE_SECONDS = 1.0  # tcpdump cannot drain on request: give it time to write what is queued
SCAPY_SNIFFER = Path(__file__).resolve().parent / "scapy_sniffer.py"
SCAPY_STOP_SECONDS = 60  # its sniffing thread ends at its next frame or poll, after the settle time


def main() -> int:
    args = parse_args()
    reason = can_capture()
    if reason:
        print(f"capture_benchmark: {reason}", file=sys.stderr)
        return 2
    become_subreaper()
    print(f"{'burst':>6} {'conn/s':>7} {'ours':>7} {'tcpdump':>7} {'scapy':>7} {'ratio':>6} {'drops':>5} "
          f"{'td drops':>8} {'sc drops':>8} {'ready ms':>8} {'drain ms':>8} {'analysis s':>10} {'frames/s':>9} "
          f"{'peak MiB':>8} {'scapy cpu s':>11}")
    complete = True
    for _ in range(args.repeat):
        for burst in args.bursts:
            row = run_burst(burst)
            complete &= row["ratio"] == 1 and row["drops"] == 0
            print(f"{burst:>6} {row['rate']:>7.0f} {row['ours']:>7} {row['tcpdump']:>7} {row['scapy']:>7} "
                  f"{row['ratio']:>6.3f} {row['drops']:>5} {row['tcpdump_drops']:>8} {row['scapy_drops']:>8} "
                  f"{row['ready'] * 1000:>8.1f} "
                  f"{row['drain'] * 1000:>8.1f} {row['analysis']:>10.3f} {row['frames_per_second']:>9.0f} "
                  f"{row['peak'] / 2**20:>8.1f} {row['scapy_cpu']:>11.2f}", flush=True)
    return 0 if complete else 1


def run_burst(burst: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="wirecheck-bench-") as scratch:
        port = free_port()
        server = ServerProcess(with_port(variant_command("forking_waitpid"), port), Path(scratch) / "server.log",
                               cwd=REPO_ROOT)
        server.start()
        try:
            server.wait_listening(port, LISTEN_TIMEOUT_SECONDS)
            tcpdump_file = Path(scratch) / "tcpdump.pcap"
            tcpdump = start_tcpdump(port, tcpdump_file)
            scapy = start_scapy(port)
            capture = LoopbackCapture(port)
            started = time.perf_counter()
            capture.start()
            ready = time.perf_counter() - started
            started = time.perf_counter()
            subprocess.run([sys.executable, str(client3_path()), "--port", str(port),
                            "--max-clients", str(CLIENT_PROCESSES), "--max-conns", str(burst // CLIENT_PROCESSES)],
                           check=True, stdout=subprocess.DEVNULL)
            rate = burst / (time.perf_counter() - started)
            started = time.perf_counter()
            result = capture.stop()
            drain = time.perf_counter() - started
            scapy.stdin.write("stop\n")  # it waits the same settle time as tcpdump, in parallel
            scapy.stdin.flush()
            time.sleep(TCPDUMP_SETTLE_SECONDS)
            tcpdump_drops = stop_tcpdump(tcpdump)
            scapy_frames, scapy_drops, scapy_cpu = scapy.communicate(timeout=SCAPY_STOP_SECONDS)[0].split()
            tcpdump_frames = sum(1 for _ in RawPcapReader(str(tcpdump_file)))
        finally:
            server.stop()
            release_port(port)
    analysis, peak = analyse(result.frames, port)
    return {"rate": rate, "ours": len(result.frames), "tcpdump": tcpdump_frames, "scapy": int(scapy_frames),
            "scapy_drops": int(scapy_drops), "scapy_cpu": float(scapy_cpu),
            "ratio": len(result.frames) / tcpdump_frames if tcpdump_frames else 0.0,
            "drops": result.kernel_dropped, "tcpdump_drops": tcpdump_drops, "ready": ready, "drain": drain,
            "analysis": analysis, "frames_per_second": len(result.frames) / analysis, "peak": peak}


def start_tcpdump(port: int, path: Path) -> subprocess.Popen:
    tcpdump = subprocess.Popen(["tcpdump", "-i", "lo", "-n", "--immediate-mode", "-B", str(TCPDUMP_BUFFER_KIB),
                                "-w", str(path), f"tcp port {port}"], stderr=subprocess.PIPE, text=True)
    line = tcpdump.stderr.readline()  # "listening on lo, ...": its socket is open and filtered
    if "listening" not in line:
        raise RuntimeError(f"tcpdump did not start: {line}{tcpdump.stderr.read()}")
    return tcpdump


def start_scapy(port: int) -> subprocess.Popen:
    """scapy's AsyncSniffer in a process of its own, once it is sniffing."""
    scapy = subprocess.Popen([sys.executable, str(SCAPY_SNIFFER), str(port)], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    line = scapy.stdout.readline()
    if line.strip() != "ready":
        raise RuntimeError(f"scapy's sniffer did not start: {line}")
    return scapy


def stop_tcpdump(tcpdump: subprocess.Popen) -> int:
    """Stop tcpdump; return the frames it says the kernel dropped."""
    tcpdump.send_signal(signal.SIGINT)
    report = tcpdump.communicate(timeout=30)[1]
    dropped = [line for line in report.splitlines() if "dropped by kernel" in line]
    return int(dropped[0].split()[0]) if dropped else -1


def analyse(frames: list, port: int) -> tuple[float, int]:
    """Seconds to turn the frames into connections (best of three), and the peak memory it took."""
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        connections(decode_all(frames), port)
        timings.append(time.perf_counter() - started)
    tracemalloc.start()
    connections(decode_all(frames), port)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return min(timings), peak


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bursts", type=int, nargs="+", default=DEFAULT_BURSTS,
                        help="burst sizes in connections (default: %(default)s)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of the whole set of bursts (default: 1)")
    args = parser.parse_args()
    if any(burst < CLIENT_PROCESSES or burst % CLIENT_PROCESSES for burst in args.bursts):
        parser.error(f"bursts must be multiples of {CLIENT_PROCESSES} connections (one share per client3 child)")
    return args


if __name__ == "__main__":
    sys.exit(main())
