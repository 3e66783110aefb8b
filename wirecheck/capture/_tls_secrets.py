"""The key log lines of one capture's own connections, for its Decryption Secrets Block.

A session's key log may hold secrets of connections another capture saw; a capture carries only those of the TLS
sessions its clients began, known by the client random of each connection's ClientHello. That random is found by
a small scan of the client's first bytes, not a TLS parser: the record header (5 bytes), the handshake header (4),
the client_version (2), then the 32-byte random. The model's TLS record parser may replace this scan.
"""

from collections.abc import Iterable

from wirecheck.model._flows import Connection

HANDSHAKE_RECORD, CLIENT_HELLO = 0x16, 0x01
RANDOM_AT, RANDOM_BYTES = 5 + 4 + 2, 32


def client_random(data: bytes) -> bytes | None:
    """The client random of the ClientHello that `data` (a client's first bytes) begins with; None if it begins
    with anything else, or is too short."""
    if len(data) < RANDOM_AT + RANDOM_BYTES or data[0] != HANDSHAKE_RECORD or data[5] != CLIENT_HELLO:
        return None
    return data[RANDOM_AT:RANDOM_AT + RANDOM_BYTES]


def secrets_of(keylog_text: str, connections: Iterable[Connection]) -> str:
    """The lines of `keylog_text` (NSS key log format: LABEL CLIENT_RANDOM_HEX SECRET_HEX) that belong to these
    connections' TLS sessions, in their order."""
    randoms = {random.hex() for c in connections if (random := client_random(c.sent_by_client.data))}
    return "".join(line for line in keylog_text.splitlines(keepends=True)
                   if len(fields := line.split()) == 3 and fields[1].lower() in randoms)
