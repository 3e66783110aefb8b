"""How the tools run the test suite: bin/test's parallel options spelled out (pyproject.toml's addopts), so that a
tool's run means the same whatever the addopts of the tree it runs say; and the clone the tools belong to."""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
PARALLEL = ["-n", "auto", "--dist", "load", "--maxschedchunk", "2"]  # as bin/test runs the suite
SERIAL = ["-n", "0"]
QUIET = ["-p", "no:cacheprovider", "-q"]  # no cache written into the tree, one line per test file
