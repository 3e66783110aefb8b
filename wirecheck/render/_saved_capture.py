"""Every TCP connection of a saved capture drawn as a ladder, with the capture's comments beside their frames
(`wirecheck show CAPTURE`).

Any pcap or pcapng, ours or one tcpdump wrote. No server port is needed: each
connection's client is the side that sent its SYN. A TLS capture the gate saved carries
its key log (a Decryption Secrets Block): its records are drawn decrypted.
"""

from wirecheck.capture._pcapng_reader import SavedCapture
from wirecheck.model._flows import Connection, connections
from wirecheck.model._frames import decode_all
from wirecheck.model._tls_keys import KeyLog
from wirecheck.render._ladder import ladder


def drawing(saved: SavedCapture) -> str:
    """The capture's connections as ladders, a heading first, and a warning when the capture is incomplete."""
    found = connections_of(saved)
    heading = f"{saved.path}: {len(saved.frames)} frames, {len(found)} TCP connection{'s' * (len(found) != 1)}"
    if saved.incomplete:
        heading += f"\nwarning: incomplete capture: {saved.incomplete}"
    return "\n\n".join([heading, *(ladder(connection, marks(saved)) for connection in found)])


def connections_of(saved: SavedCapture) -> list[Connection]:
    """The capture's TCP connections, TLS read with the capture's own key log; without a known server port, the
    SYN's receiver is the server."""
    return connections(decode_all(saved.frames), keylog=KeyLog(saved.tls_key_log))


def marks(saved: SavedCapture) -> dict[int, str]:
    """Each commented frame's comments, as one line."""
    return {index: "; ".join(texts) for index, texts in saved.comments.items()}
