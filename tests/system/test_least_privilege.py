"""The servers the suite starts listen on 127.0.0.1 only and, when the suite is root, run unprivileged, scheduled
ahead of the suite's own processes."""

import os
from pathlib import Path

import psutil
import pytest
from expectations import ARTICLE_VARIANTS

from wirecheck.server._process import SERVER_NICENESS

CAP_SYS_NICE = 23  # the capability's bit in /proc/PID/status (linux/capability.h)
HTTP_SERVER_PYTHON = "/usr/bin/python3"  # Debian's: any user may run it (field notes: pyenv's under /root not)


@pytest.mark.parametrize("variant", ARTICLE_VARIANTS)
def test_the_server_listens_on_loopback_only_as_the_unprivileged_user_scheduled_ahead(wire, variant):
    session = wire.serve(variant)
    listening = [(s.laddr.ip, s.laddr.port) for p in session.server.view.tree()
                 for s in p.net_connections(kind="inet") if s.status == psutil.CONN_LISTEN]
    assert listening == [("127.0.0.1", session.port)], f"expected to listen on 127.0.0.1 only, listens on {listening}"
    if may_raise_priority():
        niceness = {p.nice() for p in session.server.view.tree()}
        assert niceness == {SERVER_NICENESS}, f"expected the server at nice {SERVER_NICENESS}, it runs at {niceness}"
        autogroup = Path(f"/proc/{session.server.pid}/autogroup")  # "/autogroup-N nice K", where the kernel has them
        if autogroup.exists():
            assert autogroup.read_text().split()[-1] == str(SERVER_NICENESS), autogroup.read_text()
    if os.geteuid() != 0:
        pytest.skip("the suite is not root: there is no privilege to drop")
    if wire.server_user.name is None:
        pytest.skip(wire.server_user.reason)
    owners = {p.username() for p in session.server.view.tree()}
    assert owners == {wire.server_user.name}, f"expected every server process to run as " \
                                              f"{wire.server_user.name}, they run as {owners}"
    kept = {p.pid: held for p in session.server.view.tree() if (held := privileges_held(p.pid))}
    assert not kept, f"expected no capability and no supplementary group left to a server process, found {kept}"
    assert psutil.Process().username() == "root", "the capture must keep root"


def test_a_server_run_as_another_user_gets_a_scratch_home_of_its_own_removed_at_its_end(wire):
    if wire.server_user.name is None:
        pytest.skip(wire.server_user.reason)
    session = wire.serve_command(["sh", "-c", 'echo "HOME=$HOME"; touch "$HOME/written" && echo "HOME writable"; '
                                  'exec "$0" -m http.server {port} --bind 127.0.0.1', HTTP_SERVER_PYTHON])
    home = session.server.home
    assert home and not home.startswith("/root"), home
    assert f"HOME={home}" in session.server.output() and "HOME writable" in session.server.output(), \
        session.server.output()
    session.close()
    assert not os.path.exists(home), f"expected the scratch HOME {home} removed once the server ended"


def privileges_held(pid: int) -> dict[str, str]:
    """What process `pid` holds beyond its user's rights: capabilities, supplementary groups (/proc/PID/status)."""
    fields = dict(line.split(":\t", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                  if ":\t" in line)
    held = {name: fields[name] for name in ("CapPrm", "CapEff", "CapAmb") if int(fields[name], 16)}
    return held | ({"Groups": fields["Groups"]} if fields["Groups"].strip() else {})


def may_raise_priority() -> bool:
    """Whether this process has CAP_SYS_NICE (root has it, but in a container started without it)."""
    effective = next(line.split()[1] for line in Path("/proc/self/status").read_text().splitlines()
                     if line.startswith("CapEff:"))
    return bool(int(effective, 16) >> CAP_SYS_NICE & 1)
