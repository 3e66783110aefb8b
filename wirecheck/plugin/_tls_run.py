"""The TLS options of a run: which go together, whether their files load, the run's TLS files, and the contract's
properties it skips.

--wire-tls alone switches TLS on; --wire-tls-cert, --wire-tls-key and --wire-tls-ca only say which files to use,
so each of them without it is a usage error rather than a silent switch (an ini file may set a certificate for the
runs that ask for TLS). A certificate comes with its key; a CA only with a certificate of the user's (a throwaway
certificate comes with its own CA).
"""

import ssl
from pathlib import Path

import pytest

from wirecheck import _extras as extras
from wirecheck._option_names import flag
from wirecheck.contract._over_tls import NOT_OVER_TLS, TLS_ONLY
from wirecheck.plugin._settings import Settings
from wirecheck.server._tls import TlsFiles, throwaway_files, tls_directory

FILE_OPTIONS = ("tls_cert", "tls_key", "tls_ca")


def problem(settings: Settings) -> str | None:
    """What is wrong with the TLS options together, in one line; None if nothing."""
    if not settings.tls:
        given = [name for name in FILE_OPTIONS if getattr(settings, name)]
        return f"{flag(given[0])} needs {flag('tls')} (the server speaks HTTPS)" if given else None
    if settings.tls_key and not settings.tls_cert:
        return f"{flag('tls_key')} needs {flag('tls_cert')}, the certificate of that key"
    if settings.tls_ca and not settings.tls_cert:
        return f"{flag('tls_ca')} needs {flag('tls_cert')}: a throwaway certificate comes with its own CA"
    if settings.tls_cert and not settings.tls_key:
        return f"{flag('tls_cert')} needs {flag('tls_key')}, the certificate's private key"
    if settings.tls_cert and settings.tls_key and (unloadable := _unloadable(settings.tls_cert, settings.tls_key,
                                                                             settings.tls_ca or settings.tls_cert)):
        return unloadable
    if not settings.server:
        return f"{flag('tls')} needs {flag('server')}, a server that speaks HTTPS: the reference server speaks HTTP"
    if settings.tls_cert:
        return None
    try:
        extras.require("tls", f"{flag('tls')} without {flag('tls_cert')}")
    except extras.MissingExtra as missing:
        return str(missing)
    return None


def _unloadable(cert: Path, key: Path, ca: Path) -> str | None:
    """Why OpenSSL refuses the user's files (a key that is not the certificate's, a PEM that holds no
    certificate); None if it takes them."""
    try:
        ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER).load_cert_chain(cert, key)
    except ssl.SSLError as error:
        return f"{flag('tls_cert')} {cert} with {flag('tls_key')} {key}: not a certificate and its key ({error})"
    try:
        ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).load_verify_locations(cafile=ca)
    except ssl.SSLError as error:
        return f"{flag('tls_ca')} {ca}: no CA certificate ({error})"
    return None


def run_files(settings: Settings) -> TlsFiles:
    """The run's TLS files in a new directory (the caller removes it): the user's, or throwaway ones made there."""
    directory = tls_directory()
    if settings.tls_cert and settings.tls_key:
        return TlsFiles(settings.tls_cert, settings.tls_key, settings.tls_ca or settings.tls_cert, directory)
    return throwaway_files(directory)


def skip_by_transport(items: list[pytest.Item], tls: bool) -> None:
    """Skip the contract's properties this run cannot judge, each saying why: over TLS, those not over TLS yet (a
    TLS run that passed them would claim what it did not see); over plain TCP, the TLS ones."""
    for item in items:
        marker = item.get_closest_marker("contract")
        key = marker.args[0] if marker is not None else None
        if tls and key in NOT_OVER_TLS:
            item.add_marker(pytest.mark.skip(reason=f"not over TLS yet: {NOT_OVER_TLS[key]}"))
        elif not tls and key in TLS_ONLY:
            item.add_marker(pytest.mark.skip(reason=f"a TLS property: run with {flag('tls')}"))
