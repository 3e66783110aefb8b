"""`bin/verify --html` writes the article's story: servers in the article's order, each with what it changes,
its FIN timing and its connection drawn from its capture, an arrow per frame.
"""

import re
import subprocess
import sys

import pytest

from wirecheck.article._story_page import STORY
from wirecheck.capture._loopback import can_capture
from wirecheck.capture._pcapng_reader import read
from wirecheck.server._session import REPO_ROOT

pytestmark = [pytest.mark.slow, pytest.mark.skipif(can_capture() is not None, reason=str(can_capture()))]

VARIANTS = ("forking_unclosed", "iterative")  # given out of order: the page follows the article's


def test_verify_html_draws_each_server_in_the_articles_order_with_its_change_and_fin_timing(tmp_path):
    page = tmp_path / "report.html"
    done = subprocess.run([sys.executable, "-m", "wirecheck", "verify", "--pcap-dir", str(tmp_path / "captures"),
                           "--html", str(page), *(f"--variant={variant}" for variant in VARIANTS)],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=50)
    assert done.returncode == 0, done.stdout + done.stderr
    html = page.read_text()
    titles = re.findall(r"<h2>(\S+ \w+) <span class=\"outcome passed\">", html)
    assert titles == ["3a iterative", "3d forking_unclosed"]
    for variant, section in zip(("iterative", "forking_unclosed"), html.split("<section")[1:], strict=True):
        assert STORY[variant][0] in section
        frames = read(tmp_path / "captures" / f"{variant}.pcapng").frames
        assert section.count('<g class="frame') == len(frames), f"expected an arrow per frame of {variant}"
    iterative, unclosed = html.split("<section")[1:]
    assert re.search(r"server FIN after response</dt><dd>0\.2\d\d s<", iterative)  # bin/verify's delay, 0.25 s
    assert "server FIN after response</dt><dd>no server FIN (curl gave up: exit 28)<" in unclosed
