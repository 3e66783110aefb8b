"""Draw every TCP connection of a saved capture as a ladder, with the capture's comments beside their frames.

    python -m wirecheck.show CAPTURE

Any pcap or pcapng, ours or one tcpdump wrote. No server port is needed: each
connection's client is the side that sent its SYN. Exit status 0 when drawn, 2 when
the file is missing or is not a capture.
"""

import argparse
import sys
from pathlib import Path

from wirecheck.capture_file import CaptureFileError, SavedCapture, read
from wirecheck.flows import Connection, connections
from wirecheck.frames import decode_all
from wirecheck.report import ladder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="wirecheck show", description=__doc__.split("\n\n")[0])
    parser.add_argument("capture", type=Path, help="a pcap or pcapng file")
    args = parser.parse_args(argv)
    try:
        saved = read(args.capture)
    except CaptureFileError as error:
        print(f"wirecheck show: {error}", file=sys.stderr)
        return 2
    print(drawing(saved))
    return 0


def drawing(saved: SavedCapture) -> str:
    """The capture's connections as ladders, a heading first, and a warning when the capture is incomplete."""
    found = connections_of(saved)
    heading = f"{saved.path}: {len(saved.frames)} frames, {len(found)} TCP connection{'s' * (len(found) != 1)}"
    if saved.incomplete:
        heading += f"\nwarning: incomplete capture: {saved.incomplete}"
    return "\n\n".join([heading, *(ladder(connection, marks(saved)) for connection in found)])


def connections_of(saved: SavedCapture) -> list[Connection]:
    """The capture's TCP connections; without a known server port, the SYN's receiver is the server."""
    return connections(decode_all(saved.frames))


def marks(saved: SavedCapture) -> dict[int, str]:
    """Each commented frame's comments, as one line."""
    return {index: "; ".join(texts) for index, texts in saved.comments.items()}


if __name__ == "__main__":
    sys.exit(main())
