"""The servers the suite starts listen on 127.0.0.1 only and, when the suite is root, run unprivileged."""

import os

import psutil
import pytest
from expectations import ARTICLE_VARIANTS


@pytest.mark.parametrize("variant", ARTICLE_VARIANTS)
def test_the_server_listens_on_loopback_only_as_the_unprivileged_user(wire, variant):
    session = wire.serve(variant)
    listening = [(s.laddr.ip, s.laddr.port) for p in session.server.view.tree()
                 for s in p.net_connections(kind="inet") if s.status == psutil.CONN_LISTEN]
    assert listening == [("127.0.0.1", session.port)], f"expected to listen on 127.0.0.1 only, listens on {listening}"
    if os.geteuid() != 0:
        pytest.skip("the suite is not root: there is no privilege to drop")
    if wire.server_user.name is None:
        pytest.skip(wire.server_user.reason)
    owners = {p.username() for p in session.server.view.tree()}
    assert owners == {wire.server_user.name}, f"expected every server process to run as " \
                                              f"{wire.server_user.name}, they run as {owners}"
    assert psutil.Process().username() == "root", "the capture must keep root"
