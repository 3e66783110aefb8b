"""Bad options are one clear line, not a traceback; odd test names still give safe capture file names."""

import subprocess
import sys

import pytest
import trustme
from expectations import TARGET

from wirecheck.clients._requests import curl
from wirecheck.server._session import REPO_ROOT

RUN_SECONDS = 60
pytest_plugins = ["pytester"]
NOT_A_PROFILE = REPO_ROOT / "pyproject.toml"


@pytest.fixture(scope="module")
def pem_files(tmp_path_factory) -> dict[str, str]:
    """A certificate and its key, and a key of another certificate, for the TLS options' cases."""
    directory, leaf = tmp_path_factory.mktemp("pem"), trustme.CA().issue_cert("127.0.0.1")
    files = {"cert": directory / "cert.pem", "key": directory / "key.pem", "other_key": directory / "other.pem"}
    leaf.cert_chain_pems[0].write_to_path(files["cert"])
    leaf.private_key_pem.write_to_path(files["key"])
    trustme.CA().issue_cert("127.0.0.1").private_key_pem.write_to_path(files["other_key"])
    return {name: str(path) for name, path in files.items()}


@pytest.mark.parametrize("options, message", [
    (["--wire-timing-tolerance", "-1"], "argument --wire-timing-tolerance: must be 0 to 60 seconds, not -1"),
    (["--wire-timing-tolerance-percent", "lots"],
     "argument --wire-timing-tolerance-percent: not a float percent: 'lots'"),
    (["--wire-pcap-dir", "/dev/null/captures"], "--wire-pcap-dir /dev/null/captures: cannot write captures there"),
    (["--wire-server-user", "no-such-user"], "--wire-server-user 'no-such-user': no such user"),
    (["--wire-burst-size", "0"], "argument --wire-burst-size: must be 1 to 5000 connections, not 0"),
    (["--wire-stop-signal", "STOPP"], "argument --wire-stop-signal: not a signal: 'STOPP'"),
    (["--wire-header-timeout", "0"], "argument --wire-header-timeout: must be 0.5 to 120 seconds, not 0"),
    (["--wire-html-report", "/dev/null/report.html"], "--wire-html-report /dev/null/report.html: cannot write there"),
    (["--wire-baseline", str(NOT_A_PROFILE)], f"argument --wire-baseline: {NOT_A_PROFILE} is not JSON"),
    (["--wire-profile-out", "/no/such/dir/p.json"],
     "argument --wire-profile-out: /no/such/dir/p.json: directory /no/such/dir does not exist"),
    (["--wire-tls-cert", str(NOT_A_PROFILE)], f"argument --wire-tls-cert: {NOT_A_PROFILE} is no PEM file"),
    (["--wire-tls", "--wire-tls-ca", "/no/such.pem"], "argument --wire-tls-ca: cannot read /no/such.pem"),
    (["--wire-tls-cert", "{cert}", "--wire-tls-key", "{key}"], "--wire-tls-cert needs --wire-tls"),
    (["--wire-tls", "--wire-tls-cert", "{cert}"], "--wire-tls-cert needs --wire-tls-key"),
    (["--wire-tls", "--wire-tls-ca", "{cert}"], "--wire-tls-ca needs --wire-tls-cert"),
    (["--wire-tls", "--wire-tls-cert", "{cert}", "--wire-tls-key", "{other_key}"], "not a certificate and its key"),
    (["--wire-tls"], "--wire-tls needs --wire-server, a server that speaks HTTPS"),
], ids=["negative-tolerance", "tolerance-not-a-number", "unwritable-capture-dir", "unknown-user", "empty-burst",
        "unknown-signal", "no-header-timeout", "unwritable-html-report", "foreign-baseline", "profile-in-no-directory",
        "tls-cert-no-pem", "tls-ca-missing", "tls-cert-without-tls", "tls-cert-without-key", "tls-ca-without-cert",
        "tls-key-not-the-certs", "tls-without-a-server"])
def test_a_bad_pytest_option_is_a_usage_error_in_one_line(pytester, pem_files, options, message):
    # In this process (pytester): a usage error comes before any test runs, and a new interpreter per case
    # would cost a second of CPU each.
    options = [option.format(**pem_files) for option in options]
    pytester.makepyfile(test_nothing="def test_nothing():\n    pass\n")
    done = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-p", "no:xdist", *options)
    output = "\n".join(done.outlines + done.errlines)
    assert done.ret == pytest.ExitCode.USAGE_ERROR, output
    assert message in "\n".join(done.errlines), output
    assert "Traceback" not in output


@pytest.mark.parametrize("argv, message", [
    (["--variant", "no_such_variant"], "argument --variant: invalid choice: 'no_such_variant'"),
    (["--delay", "2", "--window", "1"], "need 0 <= --delay < --window"),
], ids=["unknown-variant", "delay-past-window"])
def test_a_bad_verify_option_is_a_usage_error_in_one_line(argv, message):
    done = subprocess.run([sys.executable, "-m", "wirecheck", "verify", *argv], cwd=REPO_ROOT, capture_output=True,
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
