"""A TLS capture's Decryption Secrets Block: written before the first packet, padded to 32 bits; no block without
secrets. (That it holds its own connections' secrets only: tests/gate/test_gate_tls.py.)"""

from crafted import exchange
from pcapng_blocks import DECRYPTION_SECRETS, ENHANCED_PACKET, INTERFACE, SECTION_HEADER, blocks, key_log

from wirecheck.capture import _pcapng_writer as pcapng


def test_the_secrets_block_comes_before_the_first_packet_padded_to_32_bits(tmp_path):
    secrets = "CLIENT_RANDOM 00 0\n"  # 19 bytes: padded with one zero
    pcapng.write(tmp_path / "a.pcapng", exchange(), {}, tls_key_log=secrets)
    found = blocks(tmp_path / "a.pcapng")
    assert [kind for kind, _ in found[:4]] == [SECTION_HEADER, INTERFACE, DECRYPTION_SECRETS, ENHANCED_PACKET]
    body = found[2][1]
    assert key_log(body) == secrets and len(body) == 8 + 20 and body[-1:] == b"\0"


def test_a_capture_without_secrets_has_no_secrets_block(tmp_path):
    pcapng.write(tmp_path / "a.pcapng", exchange(), {})
    assert DECRYPTION_SECRETS not in [kind for kind, _ in blocks(tmp_path / "a.pcapng")]
