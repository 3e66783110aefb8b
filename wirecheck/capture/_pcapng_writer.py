"""Write captured frames as pcapng, with comments on the frames a test asserted on.

Written block by block rather than through scapy's writer, which dissects every
frame (a few thousand a second) where these frames are already bytes. Layout per
the pcapng specification: a section header, one interface (Ethernet, as loopback
frames carry a zeroed Ethernet header; microsecond timestamps), for a TLS capture a
Decryption Secrets Block with its key log (before the packets, so that a reader has
the keys when the first one needs them), then one enhanced packet block per frame; a
comment is option 1 of its packet's block.
"""

import os
import struct
from collections.abc import Mapping, Sequence
from pathlib import Path

from wirecheck.model._frames import Frame

LINKTYPE_ETHERNET = 1
SNAPLEN = 262144
_OPTION_COMMENT, _OPTION_IF_NAME, _OPTION_SHB_USERAPPL, _OPTION_END = 1, 2, 4, 0
DECRYPTION_SECRETS_BLOCK, TLS_KEY_LOG = 0x0000000A, 0x544C534B  # secrets type "TLSK": NSS key log text


def write(path: Path, frames: Sequence[Frame], comments: Mapping[int, Sequence[str]], tls_key_log: str = "",
          interface: str = "lo", application: str = "wirecheck") -> None:
    """Write `frames` to `path` atomically (a reader never sees half a file); with `tls_key_log`, its secrets
    too."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with open(partial, "wb") as file:
        file.write(_block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1),
                          [(_OPTION_SHB_USERAPPL, application.encode())]))
        file.write(_block(1, struct.pack("<HHI", LINKTYPE_ETHERNET, 0, SNAPLEN),
                          [(_OPTION_IF_NAME, interface.encode())]))
        if tls_key_log:
            secrets = tls_key_log.encode()
            file.write(_block(DECRYPTION_SECRETS_BLOCK, struct.pack("<II", TLS_KEY_LOG, len(secrets))
                              + _padded(secrets), []))
        for index, frame in enumerate(frames):
            microseconds = round(frame.time * 1_000_000)
            body = struct.pack("<IIIII", 0, microseconds >> 32, microseconds & 0xFFFFFFFF,
                               len(frame.data), len(frame.data)) + _padded(frame.data)
            options = [(_OPTION_COMMENT, text.encode()) for text in comments.get(index, ())]
            file.write(_block(6, body, options))
    os.replace(partial, path)


def _block(block_type: int, body: bytes, options: list[tuple[int, bytes]]) -> bytes:
    if options:
        body += b"".join(struct.pack("<HH", code, len(value)) + _padded(value) for code, value in options)
        body += struct.pack("<HH", _OPTION_END, 0)
    length = 12 + len(body)
    return struct.pack("<II", block_type, length) + body + struct.pack("<I", length)


def _padded(data: bytes) -> bytes:
    return data + b"\0" * (-len(data) % 4)
