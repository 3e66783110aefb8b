"""The capture's own BPF program is the one libpcap compiles for "tcp port P", but for the snap length: whole
frames, where scapy asks libpcap for 65535 bytes (skipped where libpcap is not installed)."""

import pytest

from wirecheck.capture._bpf import RET_K, SNAP_BYTES, tcp_port_program

PORTS = (1, 80, 8080, 12345, 40000, 65535)


def _libpcap_program(port: int) -> list[tuple[int, int, int, int]]:
    try:
        from scapy.arch.common import compile_filter
        program = compile_filter(f"tcp port {port}", linktype=1)  # DLT_EN10MB: what lo's frames carry
    except ImportError as error:  # "libpcap is not available"
        pytest.skip(str(error))
    return [(i.code, i.jt, i.jf, i.k) for i in program.bf_insns[:program.bf_len]]


@pytest.mark.parametrize("port", PORTS)
def test_the_program_is_libpcaps_for_tcp_port_with_whole_frames_kept(port):
    ours, theirs = tcp_port_program(port), _libpcap_program(port)
    assert ours[:-2] == theirs[:-2] and ours[-1] == theirs[-1]
    assert ours[-2] == (RET_K, 0, 0, SNAP_BYTES) and theirs[-2][:3] == (RET_K, 0, 0) and theirs[-2][3] < SNAP_BYTES
