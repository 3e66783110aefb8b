"""Keeps connections alive, each in threads of its own: one reads and answers every request into a buffer in
memory, the other writes that buffer out with no send timeout. A client that pipelines requests and reads
nothing makes the buffer grow with every request, and is never cut off (as node, aiohttp, uvicorn, gunicorn's
gthread and waitress did); other clients are served meanwhile."""

import socket
import threading

from tests.broken.common import KEEP_ALIVE_RESPONSE, listen, parse_args, serve, take_request


class Buffered:
    """The responses not yet written, without bound."""

    def __init__(self):
        self.data = bytearray()
        self.ready = threading.Condition()

    def add(self, response: bytes) -> None:
        with self.ready:
            self.data += response
            self.ready.notify()

    def take(self) -> bytes:
        with self.ready:
            self.ready.wait_for(lambda: self.data)
            taken, self.data[:] = bytes(self.data), b""
            return taken


def write_forever(client_connection: socket.socket, buffered: Buffered) -> None:
    try:
        while True:
            client_connection.sendall(buffered.take())  # the bug: no send timeout, ever
    except OSError:
        pass


def read_and_answer(client_connection: socket.socket) -> None:
    buffered, buffer = Buffered(), b""
    threading.Thread(target=write_forever, args=(client_connection, buffered), daemon=True).start()
    try:
        while chunk := client_connection.recv(65536):
            buffer += chunk
            while (request := take_request(buffer)) is not None:
                _, buffer = request
                buffered.add(KEEP_ALIVE_RESPONSE)
    except OSError:
        pass


def loop(args):
    listen_socket = listen(args)
    while True:
        client_connection, _ = listen_socket.accept()
        threading.Thread(target=read_and_answer, args=(client_connection,), daemon=True).start()


if __name__ == "__main__":
    serve(loop, parse_args(__doc__, default_backlog=128))
