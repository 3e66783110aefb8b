"""Each contract test is named by its property's key, so that `-k test_<key>_` (its hyphens and dots as
underscores) selects exactly that property's tests, in the package (`wirecheck gate`) and in
tests/contract/test_contract.py alike."""

import importlib
import pkgutil
import re

import pytest

import wirecheck.contract
from wirecheck.contract._properties import BASELINE, PROPERTIES


def _contract_tests() -> dict[str, tuple[str, str]]:
    """Every test function of the contract's modules: its name, its module's name and its `contract` marker's key."""
    found = {}
    for module_info in pkgutil.iter_modules(wirecheck.contract.__path__):
        if not module_info.name.startswith("test_"):
            continue
        module = importlib.import_module(f"wirecheck.contract.{module_info.name}")
        for name, function in vars(module).items():
            if name.startswith("test_") and callable(function) and function.__module__ == module.__name__:
                keys = [mark.args[0] for mark in getattr(function, "pytestmark", []) if mark.name == "contract"]
                assert len(keys) == 1, f"{module.__name__}.{name}: expected one contract marker, found {keys}"
                found[name] = (module_info.name, keys[0])
    return found


TESTS = _contract_tests()


def _selector(key: str) -> str:
    return "test_" + re.sub(r"\W", "_", key) + "_"  # http-1.0: test_http_1_0_


def test_every_property_but_the_baseline_has_a_test():
    assert sorted({key for _, key in TESTS.values()}) == sorted(p.key for p in PROPERTIES if p.key != BASELINE)


@pytest.mark.parametrize("name", sorted(TESTS))
def test_a_contract_test_is_named_by_its_property_key(name):
    _, key = TESTS[name]
    assert name.startswith(_selector(key)), f"{name} checks {key!r}: expected its name to begin {_selector(key)}"


@pytest.mark.parametrize("key", sorted({key for _, key in TESTS.values()}))
def test_a_property_keys_selector_matches_its_own_tests_and_no_other_name(key):
    """What -k matches against: each test's name and its module's (and folders' and markers', which are no test_)."""
    for name, (module, test_key) in TESTS.items():
        matches = _selector(key) in name or _selector(key) in f"{module}.py"
        assert matches == (test_key == key), f"-k {_selector(key)} would {'' if matches else 'not '}select {name}"
