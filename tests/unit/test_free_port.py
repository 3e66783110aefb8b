"""free_port() reserves what it hands out: another test process (an xdist worker, a nested run) cannot pick the
same port while this one holds it, and can once it is released."""

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
