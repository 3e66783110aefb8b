"""What the tests that run the --wire-server gate as a user does share (tests/gate/, tests/reports/, tests/system/):
the nested run itself, its JUnit XML read back by property, and the `-k` expression that selects properties by key.

Kept out of the test modules, so that no test module imports another one (each folder of tests/ is its own
sys.path entry under pytest's default import mode: a test module is importable only from its own folder).
"""

import re
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

from wirecheck.contract._properties import BY_KEY
from wirecheck.server._session import REPO_ROOT

PYTHON = sys.executable
# A nested run of the whole contract: every property's tests, the slowest waiting out --wire-header-timeout.
GATE_SECONDS = 120
# The nested runs use a smaller burst than the contract's default of 50: past a listen
# backlog of 5, SYNs are dropped and retried after 1 s and 3 s, which only makes this
# meta-test slower; ten connections still leave ten zombies behind a server that does
# not reap. tests/contract/test_contract.py itself runs the default burst.
GATE_BURST = "10"
# The nested runs open a smaller crowd than the default 256: 4 idle connections already take every worker of a
# small pool, and 16 still step past it. tests/contract/test_contract.py runs the suite's crowd (pyproject.toml).
GATE_CROWD = "16"
# The nested runs wait out a shorter header timeout than the default: http.server never cuts a head off.
GATE_HEADER_TIMEOUT = "1"
# The nested runs hold fewer connections past a smaller descriptor limit, and wait out a shorter send timeout: a
# server that never cuts off a client that does not read is waited out whole.
GATE_NOFILE = "32"
GATE_SEND_TIMEOUT = "1"
# What the nested runs collect: the contract's tests alone (collecting the whole suite costs a second a run).
CONTRACT = "tests/contract/test_contract.py"


def selecting(*keys: str) -> str:
    """The `-k` expression that selects the contract tests of these properties. Each test's name begins with test_,
    its property's key (hyphens and dots as underscores: http-1.0 is test_http_1_0_) and an underscore, which no
    other name that -k matches contains, not even a module's (test_keep_alive.py holds idle-close's test too):
    tests/unit/test_contract_names.py holds the contract to that."""
    unknown = [key for key in keys if key not in BY_KEY]
    assert not unknown, f"no such property: {unknown}"
    return " or ".join("test_" + re.sub(r"\W", "_", key) + "_" for key in keys)


def gate(command: str, tmp_path: Path, *options: str, workers: int = 0) -> subprocess.CompletedProcess:
    """`pytest tests/contract/test_contract.py --wire-server COMMAND` in a subprocess, as a user would type it,
    writing JUnit XML; serial unless given `workers` (the suite's own default is parallel), as it runs beside
    other tests."""
    return subprocess.run([PYTHON, "-m", "pytest", CONTRACT, "-p", "no:cacheprovider", "-n", str(workers),
                           "--wire-pcap-dir", str(tmp_path / "captures"), "--wire-burst-size", GATE_BURST,
                           "--wire-crowd", GATE_CROWD,
                           "--wire-header-timeout", GATE_HEADER_TIMEOUT, "--wire-nofile", GATE_NOFILE,
                           "--wire-send-timeout", GATE_SEND_TIMEOUT,
                           "--junitxml", str(tmp_path / "junit.xml"), "--wire-server", command, *options],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=GATE_SECONDS)


def failed_properties(junit: Path) -> tuple[set[str], dict[str, set[str]], dict[str, set[str]]]:
    """From the run's JUnit XML: every contract property run, the problem kinds of each one that failed, and
    those of each SHOULD that was only a warning."""
    properties, failed, warned = set(), {}, {}
    for case in ElementTree.parse(junit).iter("testcase"):
        found = {p.get("name"): p.get("value") for p in case.iter("property")}
        properties.add(found["contract"])
        if case.find("failure") is not None or case.find("error") is not None:
            outcome = warned if found.get("verdict") == "warn" else failed
            outcome.setdefault(found["contract"], set()).update(found.get("problem_kinds", "error").split())
    return properties, failed, warned
