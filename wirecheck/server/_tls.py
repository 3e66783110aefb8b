"""The files of a TLS run: the server's certificate and key and the CA its clients trust, throwaway ones (trustme)
unless the user gives their own; {cert}, {key} and {ca} in a server's command; a key log file per session.

All of them live in one directory per test process that the servers' user can read (nobody, when the suite is
root): the throwaway key too, which guards nothing. The key logs hold only the secrets of the gate's own
connections to its throwaway server, so that a capture can be decrypted (a Decryption Secrets Block).
"""

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from wirecheck import _extras as extras

PLACEHOLDERS = ("{cert}", "{key}", "{ca}")
THROWAWAY_NAMES = ("127.0.0.1", "localhost")  # the names the clients check and a user may type
READABLE_BY_ALL = 0o644
DIRECTORY_MODE = 0o755


@dataclass(frozen=True)
class TlsFiles:
    cert: Path
    key: Path
    ca: Path
    directory: Path  # this process's TLS directory: the throwaway files, the sessions' key logs

    def new_keylog(self) -> Path:
        """An empty key log file of its own, for one session's clients."""
        descriptor, name = tempfile.mkstemp(prefix="keylog-", suffix=".txt", dir=self.directory)
        os.close(descriptor)
        return Path(name)


def with_files(argv: list[str], tls: TlsFiles | None) -> list[str]:
    """`argv` with {cert}, {key} and {ca} replaced by the paths of the files of `tls`; as it is without TLS."""
    if tls is not None:
        for placeholder, path in zip(PLACEHOLDERS, (tls.cert, tls.key, tls.ca), strict=True):
            argv = [arg.replace(placeholder, str(path)) for arg in argv]
    return argv


def tls_directory() -> Path:
    """A new directory for a process's TLS files, which the servers' user can enter."""
    directory = Path(tempfile.mkdtemp(prefix="wirecheck-tls-"))
    directory.chmod(DIRECTORY_MODE)
    return directory


def throwaway_files(directory: Path) -> TlsFiles:
    """A new CA and a leaf certificate for 127.0.0.1 and localhost signed by it, written into `directory`.
    extras.MissingExtra without trustme."""
    trustme = extras.require("tls", "--tls without a certificate of your own")
    ca = trustme.CA()
    leaf = ca.issue_cert(*THROWAWAY_NAMES)
    files = TlsFiles(directory / "cert.pem", directory / "key.pem", directory / "ca.pem", directory)
    files.cert.write_bytes(b"".join(pem.bytes() for pem in leaf.cert_chain_pems))
    leaf.private_key_pem.write_to_path(files.key)
    ca.cert_pem.write_to_path(files.ca)
    for path in (files.cert, files.key, files.ca):
        path.chmod(READABLE_BY_ALL)
    return files
