"""TLS secrets and record decryption: the NSS key log, the key schedules of TLS 1.3 and 1.2, AEAD records.

Theory of operation. The gate's clients write an NSS key log (`SSLKEYLOGFILE`): for TLS 1.2 the master secret,
for TLS 1.3 the traffic secrets of each direction, each line keyed by the ClientHello's random. From a secret
come a key and an IV: HKDF-Expand-Label for TLS 1.3 (RFC 8446 §7.1, §7.3), the PRF's key block for TLS 1.2
(RFC 5246 §5, §6.3). Only AEAD suites are decrypted (AES-GCM, RFC 5288; ChaCha20-Poly1305, RFC 7905): every
suite TLS 1.3 has, and the ones TLS 1.2 clients prefer. The nonce is the IV xor the record's sequence number,
but for TLS 1.2's AES-GCM, which carries 8 bytes of it in front of each record.

cryptography is imported when a record is decrypted, not before: plain TCP never needs it, and without it each
encrypted record is reported as not decrypted, with the extra that brings it (wirecheck._extras).
"""

import hashlib
import hmac
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from wirecheck import _extras as extras

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305

AES_GCM, CHACHA20_POLY1305 = "AES-GCM", "ChaCha20-Poly1305"
TAG_LENGTH = 16
TLS13_LABELS = {  # the key log's labels of the TLS 1.3 traffic secrets, by (sender is the client, epoch)
    (True, "handshake"): "CLIENT_HANDSHAKE_TRAFFIC_SECRET", (False, "handshake"): "SERVER_HANDSHAKE_TRAFFIC_SECRET",
    (True, "application"): "CLIENT_TRAFFIC_SECRET_0", (False, "application"): "SERVER_TRAFFIC_SECRET_0",
}
TLS12_LABEL = "CLIENT_RANDOM"


@dataclass(frozen=True)
class CipherSuite:
    name: str  # IANA's
    aead: str | None  # AES_GCM or CHACHA20_POLY1305; None: a suite this module does not decrypt
    key_length: int = 0
    hash_name: str = "sha256"  # of the PRF (TLS 1.2) or the HKDF (TLS 1.3)


def _suite(name: str) -> CipherSuite:
    """The suite's facts, read from its IANA name (they all follow one pattern)."""
    aead = AES_GCM if "_GCM_" in name else CHACHA20_POLY1305 if "CHACHA20_POLY1305" in name else None
    return CipherSuite(name, aead, 16 if "AES_128" in name else 32, "sha384" if name.endswith("SHA384") else "sha256")


CIPHER_SUITES = {code: _suite(name) for code, name in {
    0x1301: "TLS_AES_128_GCM_SHA256", 0x1302: "TLS_AES_256_GCM_SHA384", 0x1303: "TLS_CHACHA20_POLY1305_SHA256",
    0xC02B: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", 0xC02C: "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    0xC02F: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", 0xC030: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    0xCCA8: "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", 0xCCA9: "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    0xCCAA: "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256", 0x009E: "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
    0x009F: "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", 0x009C: "TLS_RSA_WITH_AES_128_GCM_SHA256",
    0x009D: "TLS_RSA_WITH_AES_256_GCM_SHA384",
}.items()}


def cipher_suite(code: int) -> CipherSuite:
    """The suite numbered `code`; one this module does not know is named by its number and not decrypted."""
    return CIPHER_SUITES.get(code) or CipherSuite(f"0x{code:04X}", None)


class NotDecrypted(Exception):
    """A record could not be decrypted; the message says why (no key, the suite, authentication)."""


class KeyLog:
    """An NSS key log: the secrets of each connection by its client random, and the lines that gave them."""

    def __init__(self, text: str = "") -> None:
        self._secrets: dict[bytes, dict[str, bytes]] = {}
        self._lines: dict[bytes, list[str]] = {}
        for line in text.splitlines():
            fields = line.split()
            if len(fields) != 3 or line.startswith("#"):
                continue
            try:
                client_random, secret = bytes.fromhex(fields[1]), bytes.fromhex(fields[2])
            except ValueError:
                continue  # a line cut short where the client was killed while writing it
            self._secrets.setdefault(client_random, {})[fields[0]] = secret
            self._lines.setdefault(client_random, []).append(line.strip())

    def secret(self, client_random: bytes, label: str) -> bytes | None:
        return self._secrets.get(client_random, {}).get(label)

    def lines_for(self, client_randoms: Iterable[bytes]) -> str:
        """The key log of these connections only (what a capture of them may carry), one line each, in order."""
        return "".join(f"{line}\n" for random in client_randoms for line in self._lines.get(random, []))


def _expand_label(hash_name: str, secret: bytes, label: str, length: int) -> bytes:
    """HKDF-Expand-Label with an empty context (RFC 8446 §7.1)."""
    full_label = b"tls13 " + label.encode()
    info = struct.pack("!HB", length, len(full_label)) + full_label + b"\x00"
    output, block = b"", b""
    counter = 1
    while len(output) < length:
        block = hmac.digest(secret, block + info + bytes([counter]), hash_name)
        output += block
        counter += 1
    return output[:length]


def _prf(hash_name: str, secret: bytes, label: bytes, seed: bytes, length: int) -> bytes:
    """TLS 1.2's PRF: P_hash over label and seed (RFC 5246 §5)."""
    seed = label + seed
    output, chained = b"", seed
    while len(output) < length:
        chained = hmac.digest(secret, chained, hash_name)
        output += hmac.digest(secret, chained + seed, hash_name)
    return output[:length]


class RecordKeys:
    """One direction's key, IV and record sequence number: decrypts that direction's records in order."""

    def __init__(self, suite: CipherSuite, key: bytes, iv: bytes, tls13: bool) -> None:
        self.suite, self.tls13, self._iv, self.sequence = suite, tls13, iv, 0
        self._aead = _aead(suite, key)

    @classmethod
    def from_traffic_secret(cls, suite: CipherSuite, secret: bytes) -> "RecordKeys":
        """TLS 1.3's keys of one direction, from its traffic secret in the key log."""
        _require_aead(suite)
        return cls(suite, _expand_label(suite.hash_name, secret, "key", suite.key_length),
                   _expand_label(suite.hash_name, secret, "iv", 12), tls13=True)

    def updated(self, secret: bytes) -> tuple["RecordKeys", bytes]:
        """The keys after a KeyUpdate (RFC 8446 §7.2), and the secret they came from."""
        hash_length = hashlib.new(self.suite.hash_name).digest_size
        following = _expand_label(self.suite.hash_name, secret, "traffic upd", hash_length)
        return RecordKeys.from_traffic_secret(self.suite, following), following

    def decrypt(self, content_type: int, version: int, fragment: bytes) -> bytes:
        """The record's plaintext (for TLS 1.3 with its inner content type and padding still on)."""
        sequence = self.sequence.to_bytes(8, "big")
        self.sequence += 1
        if self.tls13:
            nonce, ciphertext = _xor(self._iv, sequence), fragment
            additional = struct.pack("!BHH", content_type, version, len(fragment))
        else:
            explicit = self.suite.aead == AES_GCM  # TLS 1.2's GCM carries the nonce's last 8 bytes (RFC 5288)
            nonce = self._iv + fragment[:8] if explicit else _xor(self._iv, sequence)
            ciphertext = fragment[8:] if explicit else fragment
            additional = sequence + struct.pack("!BHH", content_type, version, max(0, len(ciphertext) - TAG_LENGTH))
        from cryptography.exceptions import InvalidTag

        try:
            return bytes(self._aead.decrypt(nonce, ciphertext, additional))
        except (InvalidTag, ValueError):
            raise NotDecrypted("authentication failed: a wrong key, or the record was altered") from None


def tls12_keys(suite: CipherSuite, master_secret: bytes, client_random: bytes,
               server_random: bytes) -> tuple[RecordKeys, RecordKeys]:
    """The client's and the server's keys, from the master secret's key block (AEAD suites: no MAC keys)."""
    _require_aead(suite)
    iv_length = 4 if suite.aead == AES_GCM else 12
    block = _prf(suite.hash_name, master_secret, b"key expansion", server_random + client_random,
                 2 * (suite.key_length + iv_length))
    keys, ivs = block[:2 * suite.key_length], block[2 * suite.key_length:]
    client_key, server_key = keys[:suite.key_length], keys[suite.key_length:]
    return (RecordKeys(suite, client_key, ivs[:iv_length], tls13=False),
            RecordKeys(suite, server_key, ivs[iv_length:], tls13=False))


def _require_aead(suite: CipherSuite) -> None:
    if suite.aead is None:
        raise NotDecrypted(f"the cipher suite {suite.name} is not decrypted (only AES-GCM and ChaCha20-Poly1305)")
    try:
        extras.require("tls", "decryption", "cryptography")
    except extras.MissingExtra as missing:
        raise NotDecrypted(str(missing)) from None


def _aead(suite: CipherSuite, key: bytes) -> "AESGCM | ChaCha20Poly1305":
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305

    return AESGCM(key) if suite.aead == AES_GCM else ChaCha20Poly1305(key)


def _xor(iv: bytes, sequence: bytes) -> bytes:
    return (int.from_bytes(iv, "big") ^ int.from_bytes(sequence, "big")).to_bytes(len(iv), "big")
