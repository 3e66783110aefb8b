"""--wire-stop-signal takes a signal as servers' manuals name it: TERM, SIGQUIT, int, or its number."""

import argparse
import signal

import pytest

from wirecheck.plugin._settings import OPTIONS

STOP_SIGNAL = next(option for option in OPTIONS if option.name == "stop_signal")


@pytest.mark.parametrize("text, expected", [
    ("TERM", signal.SIGTERM), ("QUIT", signal.SIGQUIT), ("SIGWINCH", signal.SIGWINCH), ("int", signal.SIGINT),
    ("15", signal.SIGTERM),
])
def test_a_stop_signal_is_read_by_name_with_or_without_sig_or_by_number(text, expected):
    assert STOP_SIGNAL.check(text) == expected


@pytest.mark.parametrize("text", ["STOPP", "", "999"])
def test_anything_else_is_refused(text):
    with pytest.raises(argparse.ArgumentTypeError):
        STOP_SIGNAL.check(text)


def test_the_default_is_sigterm():
    assert STOP_SIGNAL.check(STOP_SIGNAL.default) == signal.SIGTERM
