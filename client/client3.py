"""Python 3 port of the article's client3.py: many clients, many connections each.

    python client/client3.py --port 8888 --max-clients 20 --max-conns 5 [--mode read|hold|close]

Forks --max-clients children; each opens --max-conns connections to the server and
sends ``GET /hello`` on each. Fixed from the original: its ``os._exit(0)`` is indented
inside the inner loop, so every child opened one connection only; here each child
opens all of its --max-conns.

Modes: ``read`` reads each response until the server closes (one connection at a
time per child); ``hold`` opens all of a child's connections, keeps them open for
--hold seconds, then closes them (the article's way of piling up connections);
``close`` closes each connection right after sending the request.

Prints one summary line; exits 1 if any connection failed.
"""

import argparse
import os
import socket
import sys
import time
from collections import Counter

OUTCOMES = ("answered", "sent", "refused", "reset", "timeout", "error")


def request(host: str, port: int) -> bytes:
    return f"GET /hello HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode()


def run_child(args: argparse.Namespace) -> Counter:
    """One client: its connections, in the chosen mode; returns the outcome of each."""
    outcomes: Counter = Counter()
    held = []
    for _ in range(args.max_conns):
        try:
            connection = socket.create_connection((args.host, args.port), timeout=args.timeout)
            connection.sendall(request(args.host, args.port))
            if args.mode == "read":
                with connection:
                    while connection.recv(65536):
                        pass
                outcomes["answered"] += 1
            elif args.mode == "hold":
                held.append(connection)
                outcomes["sent"] += 1
            else:
                connection.close()
                outcomes["sent"] += 1
        except ConnectionRefusedError:
            outcomes["refused"] += 1
        except ConnectionResetError:
            outcomes["reset"] += 1
        except TimeoutError:
            outcomes["timeout"] += 1
        except OSError:
            outcomes["error"] += 1
    if held:
        time.sleep(args.hold)
        for connection in held:
            connection.close()
    return outcomes


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    reader, writer = os.pipe()
    children = []
    for _ in range(args.max_clients):
        pid = os.fork()
        if pid == 0:
            status = 1
            try:
                os.close(reader)
                outcomes = run_child(args)
                # One short write per child: atomic on a pipe (under PIPE_BUF), so lines never mix.
                os.write(writer, (" ".join(str(outcomes[name]) for name in OUTCOMES) + "\n").encode())
                status = 0
            finally:
                os._exit(status)
        children.append(pid)
    os.close(writer)
    with os.fdopen(reader) as results:
        lines = results.read().split("\n")
    for pid in children:
        os.waitpid(pid, 0)
    totals = Counter()
    for line in filter(None, lines):
        totals.update(dict(zip(OUTCOMES, map(int, line.split()), strict=True)))
    print(f"client3: {args.max_clients} clients x {args.max_conns} connections: "
          + ", ".join(f"{totals[name]} {name}" for name in OUTCOMES), flush=True)
    failed = sum(totals[name] for name in OUTCOMES[2:])
    return 1 if failed or len(list(filter(None, lines))) != args.max_clients else 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="client3", description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1", help="server address (default: %(default)s)")
    parser.add_argument("--port", type=int, default=8888, help="server port (default: %(default)s)")
    parser.add_argument("--max-clients", type=_positive, default=1, help="client processes (default: %(default)s)")
    parser.add_argument("--max-conns", type=_positive, default=1,
                        help="connections per client (default: %(default)s)")
    parser.add_argument("--mode", choices=("read", "hold", "close"), default="read",
                        help="what each connection does after its request (default: %(default)s)")
    parser.add_argument("--hold", type=float, default=1.0,
                        help="seconds a 'hold' client keeps its connections open (default: %(default)s)")
    parser.add_argument("--timeout", type=float, default=10.0,
                        help="seconds before a connect or read gives up (default: %(default)s)")
    return parser.parse_args(argv)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


if __name__ == "__main__":
    sys.exit(main())
