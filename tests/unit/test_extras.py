"""Each extra of pyproject.toml but `dev` and `docs` is known with the module it brings, and a missing one is named.

`docs` builds the documentation site (bin/docs); no run of wirecheck imports it."""

import sys
from pathlib import Path

import pytest

from wirecheck import _extras as extras

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]


def test_every_extra_but_dev_and_docs_is_known_with_its_module():
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert set(extras.MODULES) == set(declared) - {"dev", "docs"}


@pytest.mark.parametrize("extra", sorted(extras.MODULES))
def test_a_missing_extra_is_named_with_the_command_that_installs_it(extra, monkeypatch):
    monkeypatch.setitem(sys.modules, extras.MODULES[extra], None)  # as in an install without it: import fails
    with pytest.raises(extras.MissingExtra, match=rf"^this run needs .* pip install 'wirecheck\[{extra}\]'$"):
        extras.require(extra, "this run")
