"""The non-reader sends another batch only while the server has read the last one whole and can still write: a
server that reads everything and answers little gets every batch, one that stops reading gets one."""

import os
import socket
import threading

import pytest

from wirecheck.clients._slow_reader import SlowReader
from wirecheck.server._process_view import ProcessView

BATCH = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" * 100


def serve_one(reads: bool, done: threading.Event) -> tuple[socket.socket, threading.Thread]:
    """A listener whose one connection gets a byte (the client leaves it unread: its window looks closed), then
    has everything read and thrown away, or nothing read, until `done`."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        connection, _ = listener.accept()
        with connection:
            connection.sendall(b"x")
            connection.settimeout(0.05)
            while not done.is_set():
                try:
                    if reads and not connection.recv(65536):
                        return
                except TimeoutError:
                    continue
                except OSError:
                    return  # the client reset it: it closed with the byte unread
                if not reads:
                    done.wait(0.05)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return listener, thread


@pytest.mark.slow(seconds=1.5)  # each batch waits for the window to settle
@pytest.mark.parametrize("reads, batches_sent", [(True, 2), (False, 1)])
def test_another_batch_goes_only_to_a_server_that_read_the_last_whole(reads, batches_sent):
    done = threading.Event()
    listener, thread = serve_one(reads, done)
    with listener:
        reader = SlowReader(listener.getsockname()[1], BATCH, ProcessView(os.getpid()), 1.0, batches=2)
        reading = reader.run(5.0, 0.1, lambda: None)
        done.set()
        thread.join(2.0)
    assert reading.backed_up
    assert reader.requests == BATCH * batches_sent and reader._sent == len(BATCH) * batches_sent
