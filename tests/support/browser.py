"""Render a local HTML file in headless Chromium: a screenshot, and the DOM as the browser built it.

Debian's ``chromium`` (bin/setup installs it). As root it needs ``--no-sandbox``; a
fresh profile directory per call keeps parallel runs from sharing one.
"""

import shutil
import subprocess
import tempfile
from pathlib import Path

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
RENDER_TIMEOUT_SECONDS = 45  # a cold start on a loaded 2-core machine takes several seconds


def chromium() -> str | None:
    """The browser's path, or None when none is installed."""
    return next(filter(None, map(shutil.which, CHROMIUM_NAMES)), None)


def render(page: Path, png: Path, width: int, height: int) -> str:
    """Save a `width` x `height` screenshot of the top of `page` to `png`, and return the page's DOM after
    Chromium parsed and laid it out, serialised as HTML: both from one start of the browser."""
    dom = _run(page, f"--screenshot={png.resolve()}", f"--window-size={width},{height}", "--hide-scrollbars",
               "--dump-dom")
    if not png.is_file():
        raise RuntimeError(f"chromium wrote no screenshot of {page}")
    return dom


def _run(page: Path, *options: str) -> str:
    browser = chromium()
    if browser is None:
        raise RuntimeError("no chromium: install Debian's chromium package (bin/setup does)")
    with tempfile.TemporaryDirectory(prefix="wirecheck-chromium-") as profile:
        done = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={profile}",
                               *options, page.resolve().as_uri()],
                              capture_output=True, text=True, timeout=RENDER_TIMEOUT_SECONDS, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"chromium exited with {done.returncode}: {done.stderr.strip()[-500:]}")
    return done.stdout
