"""Serves connections from one select loop, keeping them alive; on SIGTERM it resets every open connection
(SO_LINGER 0: RST, the upload in flight unanswered) and goes on accepting for --delay seconds, resetting
each newcomer unanswered, before it exits (benoitc/gunicorn#922, #3397)."""

import selectors
import signal
import socket
import struct
import time

from tests.broken.common import KEEP_ALIVE_RESPONSE, listen, parse_args, serve, take_request

POLL_SECONDS = 0.02  # how often the loop looks whether SIGTERM came (select is retried after it: PEP 475)


def reset(client_connection):
    client_connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    client_connection.close()


def loop(args):
    listen_socket = listen(args)
    selector = selectors.DefaultSelector()
    selector.register(listen_socket, selectors.EVENT_READ)
    buffers = {}
    terminated = []
    signal.signal(signal.SIGTERM, lambda signum, frame: terminated.append(time.monotonic()))
    while not terminated or time.monotonic() - terminated[0] < args.delay:
        if terminated and buffers:
            for client_connection in list(buffers):
                selector.unregister(client_connection)
                reset(client_connection)
            buffers.clear()
        for key, _ in selector.select(timeout=POLL_SECONDS):
            if key.fileobj is listen_socket:
                client_connection, _ = listen_socket.accept()
                if terminated:
                    reset(client_connection)
                    continue
                selector.register(client_connection, selectors.EVENT_READ)
                buffers[client_connection] = b""
                continue
            client_connection = key.fileobj
            try:
                chunk = client_connection.recv(65536)
            except ConnectionError:
                chunk = b""
            if not chunk:
                selector.unregister(client_connection)
                client_connection.close()
                del buffers[client_connection]
                continue
            buffers[client_connection] += chunk
            while (request := take_request(buffers[client_connection])) is not None:
                buffers[client_connection] = request[1]
                client_connection.sendall(KEEP_ALIVE_RESPONSE)


if __name__ == "__main__":
    serve(loop, parse_args(__doc__))
