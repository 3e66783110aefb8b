"""Bad options are one clear line, not a traceback; odd test names still give safe capture file names."""

import subprocess
import sys

import pytest
from expectations import TARGET

from wirecheck.clients import curl
from wirecheck.session import REPO_ROOT

RUN_SECONDS = 60


@pytest.mark.parametrize("options, message", [
    (["--timing-tolerance", "-1"], "argument --timing-tolerance: must be 0 to 60 seconds, not -1"),
    (["--timing-tolerance-percent", "lots"], "argument --timing-tolerance-percent: not a float percent: 'lots'"),
    (["--pcap-dir", "/dev/null/captures"], "--pcap-dir /dev/null/captures: cannot write captures there"),
    (["--server-user", "no-such-user"], "--server-user 'no-such-user': no such user"),
    (["--burst-size", "0"], "argument --burst-size: must be 1 to 5000 connections, not 0"),
    (["--html-report", "/dev/null/report.html"], "--html-report /dev/null/report.html: cannot write there"),
    (["--baseline", "pyproject.toml"], "argument --baseline: pyproject.toml is not JSON"),
    (["--profile-out", "/no/such/dir/p.json"], "argument --profile-out: /no/such/dir/p.json: directory /no/such/dir "
                                               "does not exist"),
], ids=["negative-tolerance", "tolerance-not-a-number", "unwritable-capture-dir", "unknown-user", "empty-burst",
        "unwritable-html-report", "foreign-baseline", "profile-in-no-directory"])
def test_a_bad_pytest_option_is_a_usage_error_in_one_line(options, message):
    done = subprocess.run([sys.executable, "-m", "pytest", "tests/unit/test_timing.py", "-p", "no:cacheprovider",
                           *options], cwd=REPO_ROOT, capture_output=True, text=True, timeout=RUN_SECONDS)
    assert done.returncode == pytest.ExitCode.USAGE_ERROR, done.stdout + done.stderr
    assert message in done.stderr, done.stderr
    assert "Traceback" not in done.stdout + done.stderr


@pytest.mark.parametrize("argv, message", [
    (["--variant", "no_such_variant"], "argument --variant: invalid choice: 'no_such_variant'"),
    (["--delay", "2", "--window", "1"], "need 0 <= --delay < --window"),
], ids=["unknown-variant", "delay-past-window"])
def test_a_bad_verify_option_is_a_usage_error_in_one_line(argv, message):
    done = subprocess.run([sys.executable, "-m", "wirecheck.verify", *argv], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=RUN_SECONDS)
    assert done.returncode == 2, done.stdout + done.stderr
    assert message in done.stderr and "Traceback" not in done.stderr, done.stderr


@pytest.mark.parametrize("name", ["../../escape", "a b:c*?<>|", "ünïcødé", ""], ids=lambda name: name)
def test_an_odd_test_name_gives_a_safe_capture_file_name(wire, name):
    session = wire.serve("forking")
    curl(session.url(TARGET), max_time=5)
    path = wire.save()
    module_dir = (wire.settings.pcap_dir / "test_usage_errors").resolve()
    assert path.resolve().parent == module_dir, f"expected the capture under {module_dir}, it is {path}"
    assert path.exists() and all(c.isalnum() or c in "_.-[]" for c in path.name), path.name
