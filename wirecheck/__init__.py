"""wirecheck: prove from the loopback wire what a TCP server did.

The public API is `__all__`, the names the documentation's page "Checks of your own"
(docs/api.md) lists (tests/unit/test_public_api.py holds the two together), and
`wirecheck.checks`; the rest of the package, every module with an underscore, may change.
The `wire` fixture is a `Wire`: `serve_command` returns a `WireSession`, `observe` an
`Observation`, `connections` the `Connection`s (each side a `Side` of `Segment`s, and
`Connection.packets` its frames as scapy packets); the `checks` return `Verdict`s of
`Problem`s, of kinds a check of one's own may add with `register_kind`; `Settings` and
`Tolerance` are the options in force.

The names load on first use (PEP 562): importing the analysis (``wirecheck.model._flows``,
``wirecheck.model._frames``) stays free of pytest, and the plugin, which pytest loads in every
run of an environment where wirecheck is installed, pays for nothing it does not use.
"""

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wirecheck import checks
    from wirecheck.checks._kinds import register_kind
    from wirecheck.checks._timing import Tolerance
    from wirecheck.checks._verdict import Problem, Verdict
    from wirecheck.model._flows import Connection, Side
    from wirecheck.model._frames import Segment
    from wirecheck.plugin._fixture import Wire
    from wirecheck.plugin._settings import Settings
    from wirecheck.server._session import Observation, WireSession

# Each public name and the module it lives in (for `checks`, the package itself).
_HOMES = {
    "Wire": "wirecheck.plugin._fixture",
    "WireSession": "wirecheck.server._session",
    "Observation": "wirecheck.server._session",
    "Settings": "wirecheck.plugin._settings",
    "Tolerance": "wirecheck.checks._timing",
    "Connection": "wirecheck.model._flows",
    "Side": "wirecheck.model._flows",
    "Segment": "wirecheck.model._frames",
    "Verdict": "wirecheck.checks._verdict",
    "Problem": "wirecheck.checks._verdict",
    "register_kind": "wirecheck.checks._kinds",
    "checks": "wirecheck.checks",
}

__all__ = ["Wire", "WireSession", "Observation", "Settings", "Tolerance", "Connection", "Side", "Segment", "Verdict",
           "Problem", "register_kind", "checks"]


def __getattr__(name: str) -> object:
    if name not in _HOMES:
        raise AttributeError(f"module 'wirecheck' has no attribute {name!r}")
    module = importlib.import_module(_HOMES[name])
    return module if name == "checks" else getattr(module, name)


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
