# -----------------------------------------------------------------------------
# forking_lingering.py, article 3g+: diff it with forking_waitpid.py.
# A lingering close (FIN, then read what the client still sends: no RST); on SIGTERM children finish.
# -----------------------------------------------------------------------------
"""Forking server that closes without destroying its answer (past the article): the contract's reference.

The child's close changes from forking_waitpid.py, and a stop is added. The article's child reads 1 KiB and
closes; when the client is still sending (a large upload), closing a socket with unread bytes
makes Linux send RST instead of FIN, and the answer, which ends at the close, never ends
properly (RFC 9112 section 9.6). This child shuts its sending side first (FIN), then reads and
drops what the client still sends until the client closes or LINGER_SECONDS pass, then closes.
And a graceful stop: SIGTERM (sent to the whole process group, as systemd does) ends the parent at
the top of its loop, where it stops accepting and passes the stop on to its children (one forked just
after the signal was sent missed it); a child whose client has sent nothing yet closes (FIN), one whose
client has begun its request finishes it.

    python server/forking_lingering.py --port 8888
"""

import argparse
import errno
import os
import select
import signal
import socket
import struct
import time
import traceback

# The article's response: no Content-Length, so a client reads the body until the
# server's FIN arrives. That makes "when does the server close?" visible in every client.
RESPONSE = b"HTTP/1.1 200 OK\r\n\r\nHello, World!\n"
REQUEST_BUFFER = 1024  # the article's single recv(1024)
READ_BUFFER = 65536  # what the lingering close reads and drops at a time
DEFAULT_DELAY = 0  # seconds between sending the response and closing the connection
DEFAULT_BACKLOG = 1024
# Out of descriptors (EMFILE), accept() fails while the listener stays readable: wait this long before trying again,
# instead of spinning, until a child's exit or a close frees one.
EMFILE_BACKOFF_SECONDS = 0.05
# A child whose client does not read (its window closed) gives up on a send after this long (nginx's send_timeout,
# shorter): the suite's --wire-send-timeout is 1 s, the gate's default 5 s.
SEND_TIMEOUT_SECONDS = 1
LINGER_SECONDS = 2  # how long the child reads after its FIN before it gives up on the client (Apache's 2 s)


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
    """Read the request (one recv, like the article), answer, then wait `delay` seconds; False if the client went
    away or did not read the answer within SEND_TIMEOUT_SECONDS.

    A client that resets or leaves before the answer is reported, not fatal: otherwise
    one rude client would end the iterative server for everybody.
    """
    try:
        request = client_connection.recv(REQUEST_BUFFER)
        print(request.split(b"\r\n", 1)[0].decode("latin-1"), flush=True)
        client_connection.sendall(RESPONSE)
    except ConnectionError as error:
        print(f"client went away: {error}", flush=True)
        return False
    except BlockingIOError:  # SO_SNDTIMEO passed with the client's window closed
        print(f"client did not read for {SEND_TIMEOUT_SECONDS} s: cut off", flush=True)
        return False
    time.sleep(delay)
    return True


def serve_child(listen_socket, client_connection, delay):
    """Serve one client in the child, then exit: every path ends in os._exit(), never back in the loop."""
    status = 1
    try:
        listen_socket.close()  # the child's copy
        signals, wakeup = signal_numbers()  # the child's own; both ends stay open until it exits
        # A send blocked this long on a client that does not read fails: the child cuts it off, not waits forever.
        client_connection.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, struct.pack("ll", SEND_TIMEOUT_SECONDS, 0))
        if request_begun(client_connection, signals):
            if handle_request(client_connection, delay):
                lingering_close(client_connection)
            else:
                client_connection.close()  # gone, or not reading: nothing to linger for
        else:
            client_connection.close()  # told to stop before the client sent a byte: FIN, nothing to finish
        status = 0
    except Exception:
        traceback.print_exc()
    finally:
        os._exit(status)


def request_begun(client_connection, signals):
    """Wait until the client sends (or closes), or a stop comes. True if the client's bytes came, stop or not:
    closing over bytes already received would reset the client (RST), and its request is in hand anyway."""
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})  # a stop since the fork is written to signals now
    while True:
        readable, _, _ = select.select([client_connection, signals], [], [])
        if client_connection in readable:
            return True
        if signal.SIGTERM in signals.recv(64):
            return False


def lingering_close(client_connection):
    """FIN first, then read until the client closes (or LINGER_SECONDS pass), then close: no RST."""
    deadline = time.monotonic() + LINGER_SECONDS
    try:
        client_connection.shutdown(socket.SHUT_WR)
        while (remaining := deadline - time.monotonic()) > 0:
            client_connection.settimeout(remaining)
            if not client_connection.recv(READ_BUFFER):
                break
    except OSError:
        pass  # the client reset, or LINGER_SECONDS passed: nothing more to wait for
    client_connection.close()


children = set()  # the live children's pids, to pass a stop on to


def grim_reaper(signum, frame):
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return  # no children at all
        if pid == 0:
            return  # children remain, none finished
        children.discard(pid)
        print(f"Child {pid} terminated with status {status}", flush=True)


def serve_forever(args):
    listen_socket = listen(args)
    signal.signal(signal.SIGCHLD, grim_reaper)
    signals, wakeup = signal_numbers()  # both ends stay open while the loop runs
    while True:
        readable, _, _ = select.select([listen_socket, signals], [], [])
        if signals in readable and signal.SIGTERM in signals.recv(64):
            pass_on_the_stop()
            return  # told to stop: accept nobody more; each child finishes its client
        if listen_socket not in readable:
            continue
        try:
            client_connection, _ = listen_socket.accept()
        except OSError as error:
            if error.errno == errno.EINTR:
                print("accept() interrupted by a signal (EINTR): accepting again", flush=True)
                continue  # interrupted by SIGCHLD: accept again
            if error.errno in (errno.EMFILE, errno.ENFILE):
                time.sleep(EMFILE_BACKOFF_SECONDS)  # the listener stays readable: retrying at once would spin
                continue
            raise
        # A stop that comes between the fork and the child's own signal socket waits, blocked, for that socket.
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
        try:
            pid = os.fork()
            if pid == 0:
                signals.close(), wakeup.close()  # the parent's
                serve_child(listen_socket, client_connection, args.delay)
            children.add(pid)
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
        client_connection.close()  # the parent's duplicate; the child holds the other


def pass_on_the_stop():
    """SIGTERM to every child: a child forked after the stop was sent to the group never got it."""
    for pid in list(children):  # grim_reaper may shrink the set meanwhile
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass  # exited meanwhile


def signal_numbers():
    """A socket that the loop waits on beside the listening one: each signal that arrives writes its number
    there. SIGTERM's own handler does nothing, so a stop ends the parent only at the top of its loop, never
    between accepting a client and handing it to a child (which would reset that client)."""
    receiver, sender = socket.socketpair()
    sender.setblocking(False)
    signal.set_wakeup_fd(sender.fileno())
    signal.signal(signal.SIGTERM, lambda signum, frame: None)
    return receiver, sender


if __name__ == "__main__":
    try:
        serve_forever(parse_args())
    except KeyboardInterrupt:
        pass
