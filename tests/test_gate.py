"""The --server gate, run as a user runs it: good servers pass, each faulty one fails on its own property,
and a bad command is one clear error, fast."""

import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest

from wirecheck.contract.properties import BASELINE, BY_KEY
from wirecheck.registry import server
from wirecheck.session import REPO_ROOT

PYTHON = sys.executable
# A nested run of the contract: ten tests, the slowest waiting a few seconds.
GATE_SECONDS = 120
# The nested runs use a smaller burst than the contract's default of 50: past a listen
# backlog of 5, SYNs are dropped and retried after 1 s and 3 s, which only makes this
# meta-test slower; ten connections still leave ten zombies behind a server that does
# not reap. tests/test_contract.py itself runs the default burst.
GATE_BURST = "10"
# A server that never listens is given up on after this long (--listen-timeout).
SHORT_LISTEN_TIMEOUT = "1"


def gate(command: str, tmp_path, *options: str, tests: str = "tests") -> subprocess.CompletedProcess:
    """`pytest tests/ --server COMMAND` in a subprocess, as a user would type it, writing JUnit XML; `tests` may
    name the contract's module alone, which saves collecting the whole suite."""
    return subprocess.run([PYTHON, "-m", "pytest", tests, "-p", "no:cacheprovider",
                           "--pcap-dir", str(tmp_path / "captures"), "--burst-size", GATE_BURST,
                           "--junitxml", str(tmp_path / "junit.xml"), "--server", command, *options],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=GATE_SECONDS)


def failed_properties(junit: Path) -> tuple[set[str], dict[str, set[str]]]:
    """From the run's JUnit XML: every contract property run, and the problem kinds of each one that failed."""
    properties, failed = set(), {}
    for case in ElementTree.parse(junit).iter("testcase"):
        found = {p.get("name"): p.get("value") for p in case.iter("property")}
        properties.add(found["contract"])
        if case.find("failure") is not None or case.find("error") is not None:
            failed.setdefault(found["contract"], set()).update(found.get("problem_kinds", "error").split())
    return properties, failed


@pytest.mark.parametrize("command, failing", [
    (f"{PYTHON} -m http.server {{port}} --bind 127.0.0.1 --directory {REPO_ROOT}", {}),
    (f"{PYTHON} {server('iterative').path} --port {{port}}", {"no-waiting": {"late-response"}}),
    (f"{PYTHON} {server('forking').path} --delay 0 --port {{port}}",
     {"no-leak": {"zombie-children"}}),
], ids=["http.server", "iterative", "forking"])
def test_the_gate_passes_good_servers_and_fails_faulty_ones_on_their_property(command, failing, tmp_path):
    done = gate(command, tmp_path)
    properties, failed = failed_properties(tmp_path / "junit.xml")
    assert properties == set(BY_KEY) - {BASELINE}, \
        f"expected every property but the baseline's, ran {sorted(properties)}:\n{done.stdout[-3000:]}"
    assert failed == failing, f"expected failures {failing or 'none'}, got {failed or 'none'}:\n{done.stdout[-3000:]}"
    assert done.returncode == (1 if failing else 0), done.stdout[-3000:]
    assert "tests about the article's servers were not run" in done.stdout


@pytest.mark.parametrize("command, message", [
    ("python3 -m http.server", "has no {port}"),
    ("no-such-server {port}", "cannot start no-such-server"),
    (f"{PYTHON} -c 'print(\"bad config\"); raise SystemExit(3)' {{port}}", "exited with status 3 before listening"),
    (f"{PYTHON} -c 'import time; time.sleep(30)' {{port}}", "did not listen on 127.0.0.1:"),
], ids=["no-port", "no-such-command", "exits-at-once", "never-listens"])
def test_a_bad_server_command_is_one_clear_error(command, message, tmp_path):
    done = gate(command, tmp_path, "--listen-timeout", SHORT_LISTEN_TIMEOUT)
    assert done.returncode == pytest.ExitCode.USAGE_ERROR, done.stdout + done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith(("ERROR", "python -m pytest: error"))]
    assert errors and message in done.stderr, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    if "exited with status 3" in message:
        assert "bad config" in done.stderr, "expected the server's output in the error"
