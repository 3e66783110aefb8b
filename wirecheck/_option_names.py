"""The names of wirecheck's options: one prefix for all of the pytest plugin's, as pytest-cov's --cov-.

pytest loads the plugin into every run of an environment that has wirecheck installed, beside
whatever other plugins are there: a bare --json-report or --html-report stopped every run in
an environment with pytest-json-report or pytest-html-reporter. So each option has its own
name (fin_within), which `wirecheck gate` takes as it is (--fin-within: the gate has a parser
of its own, and the JSON report's settings and a profile use the same name), and the plugin
takes it with the prefix: --wire-fin-within on the command line, wire_fin_within in the ini file.
Nothing here imports the rest of wirecheck: any layer may name an option in a message. Inside
the pytest run that `wirecheck gate` starts, messages name the gate's flags, which its user typed.
"""

import os

PREFIX = "wire"
GATE_RUN_VARIABLE = "WIRECHECK_GATE_RUN"  # set by `wirecheck gate` for the pytest run it starts


def ini_key(name: str) -> str:
    """The plugin's ini key, which is also its command-line option's dest: wire_fin_within."""
    return f"{PREFIX}_{name}"


def plugin_flag(name: str) -> str:
    """The plugin's command-line flag: --wire-fin-within."""
    return "--" + ini_key(name).replace("_", "-")


def flag(name: str) -> str:
    """How a message names an option: the gate's flag in a run `wirecheck gate` started, else the plugin's."""
    return gate_flag(name) if os.environ.get(GATE_RUN_VARIABLE) else plugin_flag(name)


def gate_flag(name: str) -> str:
    """`wirecheck gate`'s flag: --fin-within."""
    return "--" + name.replace("_", "-")
