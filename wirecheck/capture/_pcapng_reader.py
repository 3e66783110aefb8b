"""Read a saved capture, pcap or pcapng, ours or any other tool's, into the suite's frames.

scapy's raw readers do the file format (either kind, any byte order, nanosecond pcap,
several pcapng interfaces) without dissecting a packet. The analysis reads Ethernet
frames, so frames of the other link types tcpdump writes (Linux cooked capture v1 and
v2 from `-i any`, raw IP, BSD loopback) get a zeroed Ethernet header in front, as
loopback frames already have. A pcapng's per-frame comments come along, by frame index, and
so does the TLS key log of its Decryption Secrets Blocks, which decrypts the capture's TLS
(scapy's reader hands those to its own TLS layer only, so they are read here).
"""

import gzip
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from io import BufferedIOBase
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wirecheck.capture._pcapng_writer import DECRYPTION_SECRETS_BLOCK, TLS_KEY_LOG
from wirecheck.model._frames import ETHERTYPE_IPV4, ETHERTYPE_IPV6, Frame

if TYPE_CHECKING:
    from scapy.utils import RawPcapReader

LINKTYPE_NULL, LINKTYPE_ETHERNET, LINKTYPE_RAW, LINKTYPE_LOOP = 0, 1, 101, 108
LINKTYPE_LINUX_SLL, LINKTYPE_IPV4, LINKTYPE_IPV6, LINKTYPE_LINUX_SLL2 = 113, 228, 229, 276
_BSD_IPV6_FAMILIES = {24, 28, 30}  # AF_INET6 on NetBSD/OpenBSD, FreeBSD, macOS
_ZERO_MACS = bytes(12)
PCAPNG_MAGIC = b"\x0a\x0d\x0d\x0a"  # a section header block's type: the first bytes of any pcapng
LARGEST_FRAME = 262144  # the largest snap length tcpdump and Wireshark take


class CaptureFileError(Exception):
    """The file is missing, unreadable, or not a pcap or pcapng capture."""


@dataclass(frozen=True)
class SavedCapture:
    """A capture file's frames, the comments on them (by frame index), and what could not be read whole."""

    path: Path
    frames: list[Frame]
    comments: dict[int, list[str]]
    truncated: int  # frames shorter than on the wire (the writer's snap length): their data is incomplete
    unsupported: int  # frames of a link type the analysis cannot read, left out
    cut: bool  # the file ends inside a record: its writer was killed before it closed the file
    tls_key_log: str  # NSS key log text of its Decryption Secrets Blocks; "" when it has none (and for a pcap)

    @property
    def incomplete(self) -> str | None:
        """Why conclusions from this capture may be false, or None."""
        reasons = [f"{self.truncated} frames were cut short by the capture's snap length"] * bool(self.truncated)
        reasons += [f"{self.unsupported} frames of an unsupported link type were left out"] * bool(self.unsupported)
        reasons += ["the file ends in the middle of a record (its writer did not finish)"] * self.cut
        return "; ".join(reasons) or None


def read(path: Path) -> SavedCapture:
    """Every frame of the pcap or pcapng file at `path`, as Ethernet frames, with their comments."""
    if not path.is_file():
        raise CaptureFileError(f"{path}: no such file")
    # scapy.utils takes a tenth of a second to import: every pytest process loads this module, few read a file.
    from scapy.error import Scapy_Exception
    from scapy.utils import RawPcapNgReader, RawPcapReader

    try:
        reader = RawPcapReader(str(path))  # becomes a RawPcapNgReader when the file is pcapng
    except (Scapy_Exception, OSError, EOFError, struct.error) as error:
        raise CaptureFileError(f"{path}: not a pcap or pcapng capture ({error})") from error
    frames: list[Frame] = []
    comments: dict[int, list[str]] = {}
    truncated = unsupported = 0
    if isinstance(reader, RawPcapNgReader):  # its secrets are read below; scapy's own TLS layer would warn
        reader.blocktypes[DECRYPTION_SECRETS_BLOCK] = lambda block, size: None
    with reader:
        for data, meta in _records(reader):
            if isinstance(reader, RawPcapNgReader):
                linktype, time = meta.linktype, ((meta.tshigh << 32) + meta.tslow) / meta.tsresol
            else:
                linktype, time = reader.linktype, meta.sec + meta.usec / (1e9 if reader.nano else 1e6)
            ethernet = as_ethernet(linktype, data)
            if ethernet is None:
                unsupported += 1
                continue
            truncated += len(data) < meta.wirelen
            if getattr(meta, "comments", None):
                comments[len(frames)] = [text.decode(errors="replace") for text in meta.comments]
            frames.append(Frame(time, ethernet))
    cut, tls_key_log = _walk_records(path)
    return SavedCapture(path, frames, comments, truncated, unsupported, cut, tls_key_log)


def _records(reader: "RawPcapReader") -> Iterator[tuple[bytes, Any]]:
    """Each packet record's data and metadata. Not scapy's own iteration: it cuts every record to 65535 bytes, and
    a frame on loopback (MTU 65536) is up to 65549."""
    while True:
        try:
            yield reader._read_packet(size=LARGEST_FRAME)
        except EOFError:
            return


def _walk_records(path: Path) -> tuple[bool, str]:
    """Walk the record lengths: whether the file ends inside a record (scapy's readers stop quietly at a short
    record), and the TLS key log of a pcapng's Decryption Secrets Blocks."""
    with open(path, "rb") as raw:
        gzipped = raw.read(2) == b"\x1f\x8b"
    with (gzip.open if gzipped else open)(path, "rb") as file:
        magic = file.read(4)
        file.seek(0)
        return _walk_pcapng(file) if magic == PCAPNG_MAGIC else (_pcap_ends_inside_a_record(file, magic), "")


def _walk_pcapng(file: BufferedIOBase) -> tuple[bool, str]:
    """Blocks of (type, total length, body, total length); a secrets block's body: type, length, secrets."""
    endian = "<"
    key_logs: list[str] = []
    while header := file.read(12):
        if len(header) < 12:
            return True, "".join(key_logs)
        if header[:4] == PCAPNG_MAGIC:  # a section header says its byte order
            endian = "<" if header[8:12] == b"\x4d\x3c\x2b\x1a" else ">"
        block_type, length = struct.unpack(endian + "II", header[:8])
        rest = file.read(length - 12) if length >= 12 else b""
        if length < 12 or len(rest) < length - 12:
            return True, "".join(key_logs)
        if block_type == DECRYPTION_SECRETS_BLOCK and len(rest) >= 4:
            secrets_type, secrets_length = struct.unpack(endian + "II", header[8:12] + rest[:4])
            if secrets_type == TLS_KEY_LOG:
                key_logs.append(rest[4:4 + secrets_length].decode(errors="replace"))
    return False, "".join(key_logs)


def _pcap_ends_inside_a_record(file: BufferedIOBase, magic: bytes) -> bool:
    """A global header, then records of (16-byte header, caplen bytes)."""
    endian = ">" if magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d") else "<"
    file.seek(24)
    while header := file.read(16):
        caplen = struct.unpack(endian + "I", header[8:12])[0] if len(header) == 16 else -1
        if caplen < 0 or len(file.read(caplen)) < caplen:
            return True
    return False


def as_ethernet(linktype: int, data: bytes) -> bytes | None:
    """`data` of link type `linktype` as an Ethernet frame, or None when the link type is not one we read."""
    if linktype == LINKTYPE_ETHERNET:
        return data
    if linktype == LINKTYPE_LINUX_SLL and len(data) >= 16:
        return _ZERO_MACS + data[14:16] + data[16:]
    if linktype == LINKTYPE_LINUX_SLL2 and len(data) >= 20:
        return _ZERO_MACS + data[0:2] + data[20:]
    if linktype in (LINKTYPE_NULL, LINKTYPE_LOOP) and len(data) >= 4:
        family = struct.unpack("<I" if linktype == LINKTYPE_NULL and data[0] else ">I", data[:4])[0]
        ethertype = ETHERTYPE_IPV4 if family == 2 else ETHERTYPE_IPV6 if family in _BSD_IPV6_FAMILIES else None
        return None if ethertype is None else _ZERO_MACS + struct.pack("!H", ethertype) + data[4:]
    if linktype in (LINKTYPE_RAW, LINKTYPE_IPV4, LINKTYPE_IPV6) and data:
        ethertype = ETHERTYPE_IPV4 if data[0] >> 4 == 4 else ETHERTYPE_IPV6
        return _ZERO_MACS + struct.pack("!H", ethertype) + data
    return None
