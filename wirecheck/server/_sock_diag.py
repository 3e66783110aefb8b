"""The kernel's TCP sockets on a port, asked through netlink's sock_diag (what `ss` does).

Why not /proc/net/tcp (psutil's net_connections reads it, once per process asked): reading
it makes the kernel print every socket it has, and a run of this suite leaves thousands in
TIME_WAIT (each connection's active closer keeps one for 60 s), so one read costs
milliseconds of system time and a readiness poll every 10 ms costs far more than the server
it waits for. Asked for some states of one local port, the kernel sends only those sockets
(for LISTEN it walks only its table of listening sockets).
"""

import ipaddress
import socket
import struct
from dataclasses import dataclass

NETLINK_INET_DIAG = 4
SOCK_DIAG_BY_FAMILY = 20
NLM_F_REQUEST, NLM_F_DUMP = 0x1, 0x300
NLMSG_DONE, NLMSG_ERROR = 3, 2
# The kernel's TCP states, as include/net/tcp_states.h numbers them.
TCP_ESTABLISHED, TCP_FIN_WAIT1, TCP_FIN_WAIT2, TCP_CLOSE_WAIT, TCP_LAST_ACK, TCP_LISTEN, TCP_CLOSING = \
    1, 4, 5, 8, 9, 10, 11
# A connection some process may hold a descriptor of: not listening, and neither in TIME_WAIT nor a SYN_RECV
# request, which no process holds (and of which a run of the suite leaves thousands).
CONNECTED = (TCP_ESTABLISHED, TCP_FIN_WAIT1, TCP_FIN_WAIT2, TCP_CLOSE_WAIT, TCP_LAST_ACK, TCP_CLOSING)
_HEADER = struct.Struct("=IHHII")  # struct nlmsghdr: length, type, flags, sequence, port id
_REQUEST = struct.Struct("=BBBxI48s")  # struct inet_diag_req_v2: family, protocol, extensions, states, socket id
_MESSAGE = struct.Struct("=BBBB2s2s16s16sIQIIIII")  # struct inet_diag_msg, the socket id spelled out
# The extension asked for with every socket: its memory (include/uapi/linux/inet_diag.h, sock_diag.h), an
# attribute (struct rtattr: length, type) after the message holding u32 counters, of which the send side's two.
INET_DIAG_SKMEMINFO = 7
_ATTRIBUTE = struct.Struct("=HH")
SK_MEMINFO_SNDBUF, SK_MEMINFO_WMEM_QUEUED = 3, 5
RECEIVE_BYTES = 65536


@dataclass(frozen=True)
class Socket:
    address: str
    port: int
    peer_port: int
    queue: int  # the kernel's rqueue: a listening socket's accept queue, else bytes received and not yet read
    inode: int  # what a process's descriptor for it links to: socket:[inode] (0: no process holds it yet)
    backlog: int = 0  # a listening socket's backlog as the kernel applies it (listen()'s, capped by somaxconn)
    send_queued: int = 0  # bytes of memory the socket's unsent and unacknowledged data take (sk_wmem_queued)
    send_buffer: int = 0  # what they may take (sk_sndbuf, as the kernel has grown it) before a write blocks

    @property
    def send_full(self) -> bool:
        """A write to this socket would block (or return EAGAIN): its queue has taken the whole send buffer."""
        return self.send_queued >= self.send_buffer > 0


def listeners(port: int) -> list[Socket]:
    """Every TCP socket listening on `port`, IPv4 and IPv6; `queue` is its accept queue."""
    return sockets(port, TCP_LISTEN)


def sockets(port: int, *states: int) -> list[Socket]:
    """Every TCP socket bound to local `port` in one of `states` (TCP_LISTEN, CONNECTED...), IPv4 and IPv6."""
    return [found for family in (socket.AF_INET, socket.AF_INET6) for found in _dump(family, port, states)
            if found.port == port]


def _dump(family: int, port: int, states: tuple[int, ...]) -> list[Socket]:
    socket_id = port.to_bytes(2, "big") + bytes(46)  # the source port filters the dump in the kernel
    request = _REQUEST.pack(family, socket.IPPROTO_TCP, 1 << (INET_DIAG_SKMEMINFO - 1),
                            sum(1 << state for state in states), socket_id)
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
                found.append(_socket(family, data[offset + _HEADER.size:offset + length]))
                offset += (length + 3) & ~3  # messages are aligned to 4 bytes


def _socket(family: int, message: bytes) -> Socket:
    _, state, _, _, sport, dport, source, _, _, _, _, rqueue, wqueue, _, inode = _MESSAGE.unpack_from(message)
    size = 4 if family == socket.AF_INET else 16
    memory = _memory(message[_MESSAGE.size:])
    # For a listening socket the kernel puts its backlog in wqueue; for any other, wqueue is bytes not yet acknowledged.
    return Socket(str(ipaddress.ip_address(source[:size])), int.from_bytes(sport, "big"), int.from_bytes(dport, "big"),
                  rqueue, inode, wqueue if state == TCP_LISTEN else 0, *memory)


def _memory(attributes: bytes) -> tuple[int, int]:
    """(sk_wmem_queued, sk_sndbuf) from the message's attributes; zeros if the kernel sent no memory."""
    offset = 0
    while offset + _ATTRIBUTE.size <= len(attributes):
        length, kind = _ATTRIBUTE.unpack_from(attributes, offset)
        if kind == INET_DIAG_SKMEMINFO:
            counters = struct.unpack_from(f"={(length - _ATTRIBUTE.size) // 4}I", attributes, offset + _ATTRIBUTE.size)
            return counters[SK_MEMINFO_WMEM_QUEUED], counters[SK_MEMINFO_SNDBUF]
        offset += max(_ATTRIBUTE.size, (length + 3) & ~3)
    return 0, 0
