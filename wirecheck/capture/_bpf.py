"""The capture's kernel filter, "tcp port P" on Ethernet frames, built here so that capturing needs no libpcap.

It is the program libpcap compiles for that expression (`tcpdump -i lo -dd "tcp port P"`),
with the port as a parameter: a machine with only Python has no libpcap to compile one,
and tests/unit/test_bpf.py compares the two where libpcap is installed. It keeps the
whole frame, up to SNAP_BYTES as tcpdump does (scapy asks libpcap for 65535, which would
cut the largest loopback frames: 64 KiB of IP plus the Ethernet header).
"""

import ctypes
import socket

from scapy.libs.structures import bpf_insn, sock_fprog  # ctypes structures only: no libpcap

SO_ATTACH_FILTER = 26
SNAP_BYTES = 262144
ETHERTYPE_IPV4, ETHERTYPE_IPV6, IPPROTO_TCP = 0x0800, 0x86DD, 6
# Classic BPF opcodes, as linux/filter.h names them.
LDH_ABS, LDB_ABS, LDH_IND, LDXB_MSH, JEQ_K, JSET_K, RET_K = 0x28, 0x30, 0x48, 0xB1, 0x15, 0x45, 0x06
FRAGMENT_OFFSET_MASK = 0x1FFF


def tcp_port_program(port: int) -> list[tuple[int, int, int, int]]:
    """(code, jump if true, jump if false, k) for each instruction; jumps count from the next instruction."""
    return [
        (LDH_ABS, 0, 0, 12),                     # 0: the ethertype
        (JEQ_K, 0, 6, ETHERTYPE_IPV6),           # 1: IPv6? else 8
        (LDB_ABS, 0, 0, 20),                     # 2: IPv6 next header
        (JEQ_K, 0, 15, IPPROTO_TCP),             # 3: TCP? else drop
        (LDH_ABS, 0, 0, 54),                     # 4: source port
        (JEQ_K, 12, 0, port),                    # 5: ours: keep
        (LDH_ABS, 0, 0, 56),                     # 6: destination port
        (JEQ_K, 10, 11, port),                   # 7: ours: keep, else drop
        (JEQ_K, 0, 10, ETHERTYPE_IPV4),          # 8: IPv4? else drop
        (LDB_ABS, 0, 0, 23),                     # 9: IPv4 protocol
        (JEQ_K, 0, 8, IPPROTO_TCP),              # 10: TCP? else drop
        (LDH_ABS, 0, 0, 20),                     # 11: flags and fragment offset
        (JSET_K, 6, 0, FRAGMENT_OFFSET_MASK),    # 12: a later fragment has no TCP header: drop
        (LDXB_MSH, 0, 0, 14),                    # 13: X = IPv4 header length
        (LDH_IND, 0, 0, 14),                     # 14: source port
        (JEQ_K, 2, 0, port),                     # 15: ours: keep
        (LDH_IND, 0, 0, 16),                     # 16: destination port
        (JEQ_K, 0, 1, port),                     # 17: ours: keep, else drop
        (RET_K, 0, 0, SNAP_BYTES),               # 18: keep the frame
        (RET_K, 0, 0, 0),                        # 19: drop it
    ]


def attach(sock: socket.socket, program: list[tuple[int, int, int, int]]) -> None:
    """Attach `program` to `sock` (SO_ATTACH_FILTER): from now on the kernel queues only what it keeps."""
    instructions = (bpf_insn * len(program))(*(bpf_insn(*instruction) for instruction in program))
    sock.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER,
                    sock_fprog(len(program), ctypes.cast(instructions, ctypes.POINTER(bpf_insn))))
