"""Levels, in a pytest run of crafted contract tests: an unmet SHOULD warns and the run passes; --strict fails it.

No property of the contract is a SHOULD yet, so the run below makes "no-waiting" one.
"""

import dataclasses
from xml.etree import ElementTree

import pytest

from wirecheck.contract import _properties as properties
from wirecheck.contract._properties import BY_KEY, PROPERTIES
from wirecheck.plugin import _summary as summary

pytest_plugins = ["pytester"]

SHOULD_KEY = "no-waiting"
TESTS = """
import pytest

@pytest.fixture
def broken_setup():
    raise RuntimeError("the server did not start")

@pytest.mark.contract("no-waiting")
def test_should_unmet():
    pytest.fail("a client waited 1.2 s", pytrace=False)

@pytest.mark.contract("handshake")
def test_must_met():
    pass
"""
MUST_UNMET = """
@pytest.mark.contract("handshake")
def test_must_unmet():
    pytest.fail("no SYN-ACK", pytrace=False)
"""
SHOULD_SETUP_ERROR = """
@pytest.mark.contract("no-waiting")
def test_should_not_set_up(broken_setup):
    pass
"""


@pytest.fixture
def contract_run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch):
    """Runs the crafted tests (plus `more`) with the wirecheck plugin, SHOULD_KEY being a SHOULD property."""
    should = dataclasses.replace(BY_KEY[SHOULD_KEY], level="SHOULD")
    monkeypatch.setitem(BY_KEY, SHOULD_KEY, should)
    for module in (properties, summary):  # the modules that read the table by name
        monkeypatch.setattr(module, "PROPERTIES", tuple(should if p.key == SHOULD_KEY else p for p in PROPERTIES))

    def run(*options: str, more: str = "") -> pytest.RunResult:
        pytester.makepyfile(test_crafted=TESTS + more)
        return pytester.runpytest_inprocess("-p", "wirecheck.plugin", "-p", "no:cacheprovider", "-n", "0",
                                            "--junitxml", str(pytester.path / "junit.xml"), *options)
    return run


def junit_verdicts(path) -> dict[str, tuple[str | None, bool]]:
    """Each test case's `verdict` property and whether JUnit says it failed."""
    return {case.get("name"): ({p.get("name"): p.get("value") for p in case.iter("property")}.get("verdict"),
                               case.find("failure") is not None) for case in ElementTree.parse(path).iter("testcase")}


def test_an_unmet_should_is_a_warning_and_the_run_passes(contract_run, pytester):
    result = contract_run()
    assert result.ret == pytest.ExitCode.OK
    assert result.parseoutcomes() == {"warned": 1, "passed": 1}
    result.stdout.fnmatch_lines(["*SHOULD not met*", "*a client waited 1.2 s*",
                                 "4. no client waits for another*SHOULD*warn: *a client waited 1.2 s*"])
    assert junit_verdicts(pytester.path / "junit.xml")["test_should_unmet"] == ("warn", True)


def test_strict_makes_an_unmet_should_fail_the_run(contract_run, pytester):
    result = contract_run("--strict")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert result.parseoutcomes() == {"failed": 1, "passed": 1}
    result.stdout.fnmatch_lines(["4. no client waits for another*SHOULD*FAILED: *"])
    assert junit_verdicts(pytester.path / "junit.xml")["test_should_unmet"] == ("fail", True)


def test_an_unmet_must_beside_a_warning_fails_the_run(contract_run):
    result = contract_run(more=MUST_UNMET)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert result.parseoutcomes() == {"warned": 1, "failed": 1, "passed": 1}


def test_a_should_test_that_cannot_be_set_up_is_an_error_not_a_warning(contract_run):
    result = contract_run(more=SHOULD_SETUP_ERROR)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert result.parseoutcomes() == {"warned": 1, "errors": 1, "passed": 1}
