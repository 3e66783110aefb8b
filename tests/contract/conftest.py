"""What the contract's TLS tests share: one throwaway certificate per module, for the HTTPS servers they run."""

import shutil

import pytest

from wirecheck.server._tls import throwaway_files, tls_directory


@pytest.fixture(scope="module")
def tls_files():
    directory = tls_directory()  # the servers' user (nobody) can read it, as --wire-tls's
    yield throwaway_files(directory)
    shutil.rmtree(directory, ignore_errors=True)
