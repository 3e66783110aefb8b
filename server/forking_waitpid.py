# -----------------------------------------------------------------------------
# forking_waitpid.py, article 3g: diff it with forking_eintr.py.
# A waitpid(-1, WNOHANG) loop reaps every finished child: no zombies.
# -----------------------------------------------------------------------------
"""Forking server that reaps every finished child (article 3g): the correct one.

Only the SIGCHLD handler changes from forking_eintr.py. It loops on waitpid(-1, WNOHANG)
until no finished child is left, so coalesced signals no longer leave zombies; WNOHANG
keeps it from blocking on children still running. On the wire it looks like forking.py:
response, the child's delay, FIN; in the process table, no zombies.

    python server/forking_waitpid.py --port 8888
"""

import argparse
import errno
import os
import signal
import socket
import time
import traceback

# The article's response: no Content-Length, so a client reads the body until the
# server's FIN arrives. That makes "when does the server close?" visible in every client.
RESPONSE = b"HTTP/1.1 200 OK\r\n\r\nHello, World!\n"
REQUEST_BUFFER = 1024  # the article's single recv(1024)
DEFAULT_DELAY = 0  # seconds between sending the response and closing the connection
DEFAULT_BACKLOG = 1024


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: %(default)s)")
    parser.add_argument("--port", type=port_number, default=8888,
                        help="port to bind, 0 picks a free one (default: %(default)s)")
    parser.add_argument("--delay", type=seconds, default=DEFAULT_DELAY,
                        help="seconds to wait after sending the response, before closing (default: %(default)s)")
    parser.add_argument("--backlog", type=int, default=DEFAULT_BACKLOG, help="listen backlog (default: %(default)s)")
    return parser.parse_args()


def port_number(text):
    port = int(text)
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port must be 0-65535, not {port}")
    return port


def seconds(text):
    delay = float(text)
    if delay < 0:
        raise argparse.ArgumentTypeError(f"delay must be 0 or more seconds, not {delay}")
    return delay


def listen(args):
    """Bind, listen and announce the port (flushed: a pipe would otherwise hold the line)."""
    listen_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listen_socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listen_socket.bind((args.host, args.port))
    listen_socket.listen(args.backlog)
    print(f"Serving HTTP on port {listen_socket.getsockname()[1]} ...", flush=True)
    return listen_socket


def handle_request(client_connection, delay):
    """Read the request (one recv, like the article), answer, then wait `delay` seconds.

    A client that resets or leaves before the answer is reported, not fatal: otherwise
    one rude client would end the iterative server for everybody.
    """
    try:
        request = client_connection.recv(REQUEST_BUFFER)
        print(request.split(b"\r\n", 1)[0].decode("latin-1"), flush=True)
        client_connection.sendall(RESPONSE)
    except ConnectionError as error:
        print(f"client went away: {error}", flush=True)
        return
    time.sleep(delay)


def serve_child(listen_socket, client_connection, delay):
    """Serve one client in the child, then exit: every path ends in os._exit(), never back in the loop."""
    status = 1
    try:
        listen_socket.close()  # the child's copy
        handle_request(client_connection, delay)
        client_connection.close()
        status = 0
    except Exception:
        traceback.print_exc()
    finally:
        os._exit(status)


def grim_reaper(signum, frame):
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return  # no children at all
        if pid == 0:
            return  # children remain, none finished
        print(f"Child {pid} terminated with status {status}", flush=True)


def serve_forever(args):
    listen_socket = listen(args)
    signal.signal(signal.SIGCHLD, grim_reaper)
    while True:
        try:
            client_connection, _ = listen_socket.accept()
        except OSError as error:
            if error.errno == errno.EINTR:
                print("accept() interrupted by a signal (EINTR): accepting again", flush=True)
                continue  # interrupted by SIGCHLD: accept again
            raise
        if os.fork() == 0:
            serve_child(listen_socket, client_connection, args.delay)
        client_connection.close()  # the parent's duplicate; the child holds the other


if __name__ == "__main__":
    try:
        serve_forever(parse_args())
    except KeyboardInterrupt:
        pass
