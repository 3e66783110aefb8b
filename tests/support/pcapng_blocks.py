"""A saved pcapng's blocks, walked by hand (scapy's reader skips the ones it does not know, the Decryption Secrets
Block among them): what the TLS tests look at."""

import struct
from pathlib import Path

SECTION_HEADER, INTERFACE, DECRYPTION_SECRETS, ENHANCED_PACKET = 0x0A0D0D0A, 1, 0x0A, 6
TLS_KEY_LOG = b"TLSK"[::-1]  # secrets type 0x544c534b, little-endian on disk


def blocks(path: Path) -> list[tuple[int, bytes]]:
    """Each block's type and body (between its length fields), in file order; little-endian files only (ours)."""
    data, found, offset = path.read_bytes(), [], 0
    while offset < len(data):
        block_type, length = struct.unpack_from("<II", data, offset)
        found.append((block_type, data[offset + 8:offset + length - 4]))
        offset += length
    return found


def key_log(body: bytes) -> str:
    """The key log text of a Decryption Secrets Block's body; AssertionError unless it holds a TLS key log."""
    secrets_type, length = struct.unpack_from("<II", body)
    assert body[:4] == TLS_KEY_LOG, f"secrets type {secrets_type:#x}, not TLSK"
    return body[8:8 + length].decode()
