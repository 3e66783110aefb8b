"""The `wirecheck` command's usage errors exit 2 before anything runs, and its gate takes every option of
wirecheck.settings.OPTIONS but --server (the command after "--")."""

import pytest

from wirecheck import cli
from wirecheck.settings import OPTIONS


@pytest.mark.parametrize("argv", [
    [],
    ["nonsense"],
    ["gate"],
    ["gate", "--fin-within", "soon", "--", "srv", "{port}"],
    ["gate", "--", "python3", "-m", "http.server"],
], ids=["nothing", "unknown-command", "no-command", "bad-option", "no-port"])
def test_a_usage_error_exits_2(argv, capsys):
    try:
        status = cli.main(argv)
    except SystemExit as exit_:  # argparse's own usage errors
        status = exit_.code
    assert status == cli.GATE_USAGE
    assert capsys.readouterr().err


def test_the_gate_offers_every_option_of_the_plugin_but_the_command():
    offered = {action.dest for action in cli.gate_parser()._actions} - {"help"}
    assert offered == {option.name for option in OPTIONS} - {"server"}


def test_the_command_after_the_dashes_is_joined_so_that_it_splits_back_with_port_readable():
    assert cli._joined(["./my server", "--port", "{port}"]) == "'./my server' --port {port}"
