"""wirecheck: prove from the loopback wire what a TCP server did.

The public API is `__all__`, the names the README's section "Checks of your own: the
public API" lists (tests/unit/test_public_api.py holds the two together); the rest of
the package may change. The `wire` fixture is a `Wire`: `serve_command` returns a
`WireSession`, `observe` an `Observation`, `connections` the `Connection`s (each side a
`Side` of `Segment`s, and `Connection.packets` its frames as scapy packets); the
`checks` return `Verdict`s of `Problem`s, of kinds a check of one's own may add with
`register_kind`; `Settings` and `Tolerance` are the options in force.

The names load on first use (PEP 562): importing the analysis (``wirecheck.flows``,
``wirecheck.frames``) stays free of pytest, and the plugin, which pytest loads in every
run of an environment where wirecheck is installed, pays for nothing it does not use.
"""

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wirecheck import checks
    from wirecheck.flows import Connection, Side
    from wirecheck.frames import Segment
    from wirecheck.kinds import register_kind
    from wirecheck.session import Observation, WireSession
    from wirecheck.settings import Settings
    from wirecheck.timing import Tolerance
    from wirecheck.verdict import Problem, Verdict
    from wirecheck.wire import Wire

# Each public name and the module it lives in (for `checks`, the module itself).
_HOMES = {
    "Wire": "wirecheck.wire",
    "WireSession": "wirecheck.session",
    "Observation": "wirecheck.session",
    "Settings": "wirecheck.settings",
    "Tolerance": "wirecheck.timing",
    "Connection": "wirecheck.flows",
    "Side": "wirecheck.flows",
    "Segment": "wirecheck.frames",
    "Verdict": "wirecheck.verdict",
    "Problem": "wirecheck.verdict",
    "register_kind": "wirecheck.kinds",
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
