"""The kernel's listening TCP sockets, asked through netlink's sock_diag (what `ss -l` does).

Why not /proc/net/tcp: reading it makes the kernel print every socket it has, and a run of
this suite leaves thousands in TIME_WAIT (each connection's active closer keeps one for
60 s), so one read costs milliseconds of system time and a readiness poll every 10 ms costs
far more than the server it waits for. Asked for the LISTEN state alone, the kernel walks
only its table of listening sockets.
"""

import ipaddress
import socket
import struct
from dataclasses import dataclass

NETLINK_INET_DIAG = 4
SOCK_DIAG_BY_FAMILY = 20
NLM_F_REQUEST, NLM_F_DUMP = 0x1, 0x300
NLMSG_DONE, NLMSG_ERROR = 3, 2
TCP_LISTEN = 10
_HEADER = struct.Struct("=IHHII")  # struct nlmsghdr: length, type, flags, sequence, port id
_REQUEST = struct.Struct("=BBBxI48s")  # struct inet_diag_req_v2: family, protocol, extensions, states, socket id
_MESSAGE = struct.Struct("=BBBB2s2s16s16sIQIIIII")  # struct inet_diag_msg, the socket id spelled out
RECEIVE_BYTES = 65536


@dataclass(frozen=True)
class Listener:
    address: str
    port: int
    accept_queue: int  # for a listening socket, the kernel reports its accept queue's length as rqueue
    inode: int  # what a process's descriptor for it links to: socket:[inode]


def listeners(port: int) -> list[Listener]:
    """Every TCP socket listening on `port`, IPv4 and IPv6."""
    return [found for family in (socket.AF_INET, socket.AF_INET6) for found in _dump(family)
            if found.port == port]


def _dump(family: int) -> list[Listener]:
    request = _REQUEST.pack(family, socket.IPPROTO_TCP, 0, 1 << TCP_LISTEN, bytes(48))
    found = []
    with socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, NETLINK_INET_DIAG) as diag:
        diag.send(_HEADER.pack(_HEADER.size + len(request), SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST | NLM_F_DUMP, 1, 0)
                  + request)
        while True:
            data = diag.recv(RECEIVE_BYTES)
            offset = 0
            while offset < len(data):
                length, kind, _, _, _ = _HEADER.unpack_from(data, offset)
                if kind == NLMSG_DONE:
                    return found
                if kind == NLMSG_ERROR:
                    raise OSError(-struct.unpack_from("=i", data, offset + _HEADER.size)[0], "sock_diag refused")
                found.append(_listener(family, data, offset + _HEADER.size))
                offset += (length + 3) & ~3  # messages are aligned to 4 bytes


def _listener(family: int, data: bytes, offset: int) -> Listener:
    _, _, _, _, sport, _, source, _, _, _, _, rqueue, _, _, inode = _MESSAGE.unpack_from(data, offset)
    size = 4 if family == socket.AF_INET else 16
    return Listener(str(ipaddress.ip_address(source[:size])), int.from_bytes(sport, "big"), rqueue, inode)
