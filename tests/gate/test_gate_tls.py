"""--wire-tls end to end, against the good HTTPS server (tests/broken/good_https.py) with a throwaway certificate:
property 1 passes over TLS; each saved capture begins with the secrets of its own connections, so that Wireshark
decrypts it with no key file given; and the gate refuses a key without its certificate."""

import shlex
import shutil
import subprocess
import sys

import pytest
import trustme
from claim_helpers import broken_server
from gate_runs import failed_properties, gate, selecting
from pcapng_blocks import DECRYPTION_SECRETS, ENHANCED_PACKET, INTERFACE, SECTION_HEADER, blocks, key_log

from wirecheck.capture._pcapng_reader import read
from wirecheck.contract.test_basics import HANDSHAKE_CONNECTIONS
from wirecheck.model._flows import connections
from wirecheck.model._frames import decode_all
from wirecheck.server._session import REPO_ROOT

GOOD_HTTPS = shlex.join(broken_server("good_https", "--cert", "{cert}", "--key", "{key}"))
PROPERTY = "handshake"  # property 1: connect, request, response, close; judged from TCP alone


@pytest.mark.slow(seconds=1.5)  # a nested gate run: a pytest, the server, the handshakes
def test_a_gate_run_over_tls_passes_property_1_and_saves_captures_wireshark_decrypts_alone(tmp_path):
    """One nested run for three claims (each such run costs a second of CPU): property 1 passes over TLS; its
    capture begins with the secrets of exactly its own connections; tshark decrypts it with no key file given."""
    done = gate(GOOD_HTTPS, tmp_path, "--wire-tls", "-k", selecting(PROPERTY))
    assert done.returncode == 0 and "1 passed" in done.stdout and "skipped" not in done.stdout, done.stdout
    assert failed_properties(tmp_path / "junit.xml")[:2] == ({PROPERTY}, {}), done.stdout

    capture = next((tmp_path / "captures").rglob("*.pcapng"))
    found = blocks(capture)
    assert [kind for kind, _ in found[:4]] == [SECTION_HEADER, INTERFACE, DECRYPTION_SECRETS, ENHANCED_PACKET]
    in_block = {line.split()[1] for line in key_log(found[2][1]).splitlines()}
    seen = {c.tls.client_random.hex() for c in connections(decode_all(read(capture).frames))}
    assert len(seen) == HANDSHAKE_CONNECTIONS and in_block == seen

    if shutil.which("tshark") is None:
        pytest.skip("tshark is not installed (bin/setup installs it): the decryption by Wireshark is not checked")
    shown = subprocess.run(["tshark", "-r", str(capture), "-Y", "http.request", "-T", "fields", "-e",
                            "http.request.method"], capture_output=True, text=True, timeout=60)
    assert shown.stdout.split() == ["GET"] * HANDSHAKE_CONNECTIONS, shown.stdout + shown.stderr


@pytest.mark.slow(seconds=1.7)  # a gate and its pytest, each a new interpreter
def test_the_gate_refuses_a_tls_key_without_its_certificate_in_one_line(tmp_path):
    key = tmp_path / "key.pem"
    trustme.CA().issue_cert("127.0.0.1").private_key_pem.write_to_path(key)
    done = subprocess.run([sys.executable, "-m", "wirecheck", "gate", "--tls", "--tls-key", str(key), "--",
                           "true", "{port}"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "--tls-key needs --tls-cert" in done.stderr and "Traceback" not in done.stderr, done.stderr
