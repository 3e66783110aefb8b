"""A nested run's captures reach the outer run's inbox whole, named under the test that ran them; the variable
that names the inbox is handed back as it was; nothing is made on disk before a nested run, nor left after."""

import os

import pytest

from wirecheck.tshark._handoff import HANDOFF_VARIABLE, Inbox, hand_up, inherited, open_inbox

CAPTURE = {"test": "test_contract.py::test_handshake", "expected": {"path": "/captures/test_handshake.pcapng"}}


@pytest.fixture
def outer(monkeypatch):
    monkeypatch.delenv(HANDOFF_VARIABLE, raising=False)
    inbox = Inbox()
    yield inbox
    inbox.close()


def test_an_inbox_is_named_at_once_and_made_by_the_first_nested_run(outer):
    assert inherited() == outer.directory and not outer.directory.exists()  # a run that nests none makes nothing
    assert outer.collect("test_unrelated.py::test_x") == []
    open_inbox(inherited())
    assert outer.directory.is_dir()


def test_what_a_nested_run_hands_up_is_collected_once_under_the_test_that_ran_it(outer):
    assert inherited() == outer.directory  # what a run started now finds
    open_inbox(inherited())
    hand_up(inherited(), [CAPTURE])
    (outer.directory / "cut.part").write_text("[")  # a run killed while writing: never read
    named = {**CAPTURE, "test": "test_gate.py::test_x > test_contract.py::test_handshake"}
    assert outer.collect("test_gate.py::test_x") == [named]
    assert outer.collect("test_gate.py::test_y") == []


def test_a_nested_inbox_lives_inside_the_outer_one_and_each_hands_the_variable_back(outer):
    nested = Inbox(inside=inherited())
    assert nested.directory.parent == outer.directory and inherited() == nested.directory
    open_inbox(inherited())
    nested.close()
    assert inherited() == outer.directory and not nested.directory.exists()
    outer.close()
    assert HANDOFF_VARIABLE not in os.environ and not outer.directory.exists()


def test_captures_handed_up_to_an_outer_run_that_is_gone_are_a_warning_not_a_crash(tmp_path):
    with pytest.warns(UserWarning, match="1 capture"):
        hand_up(tmp_path / "gone", [CAPTURE])
