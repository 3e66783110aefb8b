"""free_port() reserves what it hands out: another test process (an xdist worker, a nested run) cannot pick the
same port while this one holds it, and can once it is released; and it never hands out a port that a server
binding without SO_REUSEADDR could not bind."""

import random
import socket
import subprocess
import sys

from wirecheck.server._ports import free_port, release_port
from wirecheck.server._session import REPO_ROOT

TRY_TO_RESERVE = "import sys; from wirecheck.server._ports import _reserve; print(_reserve(int(sys.argv[1])))"


def reservable_elsewhere(port: int) -> bool:
    done = subprocess.run([sys.executable, "-c", TRY_TO_RESERVE, str(port)], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=30, check=True)
    return done.stdout.strip() == "True"


def test_a_port_handed_out_is_reserved_from_other_processes_until_released():
    port = free_port()
    try:
        assert not reservable_elsewhere(port), f"expected port {port} reserved while this process holds it"
    finally:
        release_port(port)
    assert reservable_elsewhere(port), f"expected port {port} free to reserve once released"


def test_a_port_an_earlier_connection_holds_in_time_wait_is_not_handed_out(monkeypatch):
    """Two ports offered in turn; the first has a connection in TIME_WAIT (its server closed first), which a bind
    without SO_REUSEADDR fails on: the second is handed out."""
    held, other = free_port(), free_port()
    release_port(held)
    release_port(other)
    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", held))
        listener.listen()
        with socket.create_connection(("127.0.0.1", held)) as client:
            listener.accept()[0].close()  # the server's side closes first: its end goes to TIME_WAIT
            client.recv(1)
    monkeypatch.setattr(random, "sample", lambda population, k: [held, other])
    port = free_port()
    release_port(port)
    assert port == other, f"expected port {held}, in TIME_WAIT, passed over"
