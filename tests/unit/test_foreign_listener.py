"""A listener on the server's port that is not provably the server's is left running at stop, and reported.

The server and the other listener share the port through SO_REUSEPORT (both run as this user), so that the
other one is there when the server's tree has been ended. It is not the server's: started before the server,
or after it but outside the server's session and process tree (a child of this process, in its session).
"""

import subprocess
import sys

import pytest

from wirecheck.server._ports import free_port, release_port
from wirecheck.server._process import ForeignListenerWarning, ServerProcess
from wirecheck.server._process_view import kernel_listeners
from wirecheck.server._waiting import wait_until

LISTENER = ("import socket, sys, time; s = socket.socket(); "
            "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1); "
            "s.bind(('127.0.0.1', int(sys.argv[1]))); s.listen(); time.sleep(60)")
LISTEN_SECONDS = 10.0


def _listener(port: int) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", LISTENER, str(port)])


@pytest.mark.parametrize("foreign_first", [True, False], ids=["started-before-the-server", "outside-its-tree"])
def test_a_listener_that_is_not_the_servers_is_left_running_and_reported(foreign_first, tmp_path):
    port = free_port()
    server = ServerProcess([sys.executable, "-c", LISTENER, str(port)], tmp_path / "server.log")
    foreign = None
    try:
        if foreign_first:
            foreign = _listener(port)
            assert wait_until(lambda: kernel_listeners(port), LISTEN_SECONDS)
        server.start()
        assert wait_until(lambda: server.view.listens_on(port), LISTEN_SECONDS)
        server.wait_listening(port, LISTEN_SECONDS)
        if not foreign_first:
            foreign = _listener(port)
            assert wait_until(lambda: len(kernel_listeners(port)) == 2, LISTEN_SECONDS)
        with pytest.warns(ForeignListenerWarning, match=f"process {foreign.pid} .* not the server's"):
            server.stop()
        assert foreign.poll() is None, "the other listener was ended"
    finally:
        server.stop()
        if foreign is not None:
            foreign.kill()
            foreign.wait()
        release_port(port)
