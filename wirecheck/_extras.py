"""What only some runs need comes as an extra of the package (pyproject.toml's optional-dependencies; the docs'
getting-started page says what each brings). Its module is imported where it is needed, never before, and a run
without it stops with one line naming the extra to install.
"""

import importlib
from types import ModuleType

# Each extra and the module it brings.
MODULES = {"baseline": "jsonschema", "parallel": "xdist", "tls": "trustme"}


class MissingExtra(Exception):
    """An extra's module is not installed; the message says which extra brings it."""


def require(extra: str, needed_by: str, module: str | None = None) -> ModuleType:
    """The module of `extra` (or `module`, another one it brings), imported; MissingExtra if it is not installed.
    `needed_by` says what needs it."""
    module = module or MODULES[extra]
    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingExtra(f"{needed_by} needs {module}, which the extra '{extra}' brings: "
                           f"pip install 'wirecheck[{extra}]'") from None
