"""The `wirecheck` command's usage errors exit 2 before anything runs, and its gate takes every option of
wirecheck.plugin._settings.OPTIONS but --server (the command after "--"), by its short name, and hands it to the plugin
under the plugin's prefixed one."""

import subprocess
import sys

import pytest

from wirecheck import _cli as cli
from wirecheck._option_names import GATE_RUN_VARIABLE, flag
from wirecheck.plugin._settings import OPTIONS


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


def test_the_gate_hands_its_options_to_the_plugin_under_the_plugins_names_as_typed_and_the_rest_as_they_are():
    ours, theirs = cli.gate_parser().parse_known_args(["--fin-within", "0.50", "-k", "test_no_leak", "--stop-signal",
                                                       "quit", "--junitxml", "junit.xml"])
    assert cli.plugin_options(ours) == ["--wire-fin-within", "0.50", "--wire-stop-signal", "quit"]
    assert theirs == ["-k", "test_no_leak", "--junitxml", "junit.xml"]


def test_the_command_after_the_dashes_is_joined_so_that_it_splits_back_with_port_readable():
    assert cli._joined(["./my server", "--port", "{port}"]) == "'./my server' --port {port}"


def test_messages_name_the_gates_flags_in_the_run_the_gate_starts_and_the_plugins_elsewhere(monkeypatch):
    started = []
    monkeypatch.setattr(cli.subprocess, "run", lambda argv, **kwargs: started.append((argv, kwargs["env"])) or
                        subprocess.CompletedProcess(argv, 0))
    assert cli.main(["gate", "--contract-path", "/x", "--", "srv", "{port}"]) == cli.GATE_HOLDS
    (argv, env), = started
    assert "--wire-contract-path" in argv and env.get(GATE_RUN_VARIABLE)
    assert flag("contract_path") == "--wire-contract-path"
    monkeypatch.setenv(GATE_RUN_VARIABLE, "1")
    assert flag("contract_path") == "--contract-path"


def test_gate_workers_without_the_parallel_extra_are_a_usage_error_naming_it(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "xdist", None)  # as in an install without the extra: import fails
    with pytest.raises(SystemExit) as exit_:
        cli.main(["gate", "-n", "2", "--", "srv", "{port}"])
    assert exit_.value.code == cli.GATE_USAGE
    assert "pip install 'wirecheck[parallel]'" in capsys.readouterr().err
