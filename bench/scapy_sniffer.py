"""scapy's own sniffer on one port, a row of bench/capture_benchmark.py beside the suite's capture and tcpdump.

    python bench/scapy_sniffer.py PORT    # prints "ready" once sniffing; a line on stdin stops it,
                                          # then it prints "FRAMES DROPS CPU-SECONDS"

It runs in a process of its own, so that its dissection does not take the interpreter from
the suite's capture in the benchmark's process. The best settings scapy offers here: its
AsyncSniffer on a socket opened first (`conf.L2listen`, so that it is filtered and queuing
before "ready"), lo's frames dissected as Ether and up (what `pkt[TCP]` needs), the BPF
filter "inbound and tcp port PORT" (each loopback frame once, as tcpdump shows it),
store=False with a counter (no list of packets kept), and the same kernel buffer as the
suite's capture and tcpdump (SO_RCVBUFFORCE). scapy cannot drain on request (stop()
discards what is still queued), so it is given the settle time tcpdump is given.
"""

import socket
import struct
import sys
import threading
import time
from pathlib import Path

from scapy.config import conf
from scapy.data import ARPHRD_LOOPBACK
from scapy.layers.l2 import Ether
from scapy.sendrecv import AsyncSniffer

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from wirecheck.capture._loopback import PACKET_STATISTICS, RECEIVE_BUFFER_BYTES, SO_RCVBUFFORCE, SOL_PACKET  # noqa: E402

SETTLE_SECONDS = 1.0  # as capture_benchmark.TCPDUMP_SETTLE_SECONDS
STATISTICS = struct.Struct("II")  # struct tpacket_stats: packets, drops


def main() -> int:
    port = int(sys.argv[1])
    conf.l2types.register(ARPHRD_LOOPBACK, Ether)  # lo's frames carry a zeroed Ethernet header; unregistered,
    # scapy warns "Unable to guess type" and keeps them undissected, which no one who wants pkt[TCP] does
    sock = conf.L2listen(iface="lo", filter=f"inbound and tcp port {port}")
    sock.ins.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, RECEIVE_BUFFER_BYTES)
    seen = 0

    def count(_packet) -> None:
        nonlocal seen
        seen += 1

    ready = threading.Event()
    sniffer = AsyncSniffer(opened_socket=sock, store=False, prn=count, started_callback=ready.set)
    sniffer.start()
    ready.wait()
    print("ready", flush=True)
    sys.stdin.readline()
    time.sleep(SETTLE_SECONDS)
    sniffer.stop()
    _, drops = STATISTICS.unpack(sock.ins.getsockopt(SOL_PACKET, PACKET_STATISTICS, STATISTICS.size))
    sock.close()
    print(seen, drops, f"{time.process_time():.3f}", flush=True)  # its CPU time: mostly dissection
    return 0


if __name__ == "__main__":
    sys.exit(main())
