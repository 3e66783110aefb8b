"""The `wirecheck` command: the contract gate, the article's behaviour table, and a capture drawn as ladders.

    wirecheck gate [gate options] -- COMMAND ARGS... {port}
    wirecheck verify [--html FILE]
    wirecheck show CAPTURE
    python -m wirecheck ...     (the same)

`gate` runs the contract's tests (wirecheck/contract/, inside the package) through pytest
against COMMAND, with the package's own pytest configuration (gate.ini), so that the
project it is run from, its pytest.ini, pyproject.toml or conftest.py, plays no part. The
command runs in the current directory, captures go to ./captures unless --pcap-dir says
otherwise. The contract's options keep their short names here (--fin-within); the gate
hands them to the plugin under its prefixed ones (--wire-fin-within, wirecheck._option_names).
Options that are not the contract's own (--strict, --junitxml, -n, -k, ...) go to pytest
as they are.

Exit status (gate): 0 the contract holds, 1 it does not, 2 usage error (a bad option or
a server command that does not start and listen), 3 the run itself broke (interrupted,
an internal error, no test collected).
"""

import argparse
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from wirecheck import _extras as extras
from wirecheck._option_names import GATE_RUN_VARIABLE, gate_flag, plugin_flag
from wirecheck.article import _verify as verify
from wirecheck.capture._pcapng_reader import CaptureFileError, read
from wirecheck.plugin._settings import OPTIONS
from wirecheck.render._saved_capture import drawing
from wirecheck.server._ports import PORT_PLACEHOLDER
from wirecheck.server._tls import PLACEHOLDERS as TLS_PLACEHOLDERS

CONTRACT_DIR = Path(__file__).resolve().parent / "contract"
GATE_INI = CONTRACT_DIR / "gate.ini"
GATE_HOLDS, GATE_FAILS, GATE_USAGE, GATE_BROKEN = 0, 1, 2, 3
_EXIT = {pytest.ExitCode.OK: GATE_HOLDS, pytest.ExitCode.TESTS_FAILED: GATE_FAILS,
         pytest.ExitCode.USAGE_ERROR: GATE_USAGE}
OPTIONS_BY_NAME = {option.name: option for option in OPTIONS}
WORKERS_OPTION = re.compile(r"-n\S*|--numprocesses(=.*)?")  # pytest-xdist's, which the extra 'parallel' brings


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    commands = {"gate": gate, "verify": verify.main, "show": show}
    if argv[:1] in (["-h"], ["--help"]):
        print(__doc__)
        return 0
    if not argv or argv[0] not in commands:
        print(f"usage: wirecheck {{{','.join(commands)}}} ... (wirecheck --help)", file=sys.stderr)
        return GATE_USAGE
    try:
        status = commands[argv[0]](argv[1:])
        sys.stdout.flush()  # now, so that a reader gone early (`wirecheck show CAPTURE | head`) is met below
        return status
    except BrokenPipeError:
        # The rest of the output goes nowhere; Python's own flush at exit must not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def gate(argv: list[str]) -> int:
    """Run the contract against the command after "--"; the exit status says whether it holds."""
    parser = gate_parser()
    options, command = (argv[:argv.index("--")], argv[argv.index("--") + 1:]) if "--" in argv else (argv, [])
    ours, theirs = parser.parse_known_args(options)  # the contract's options are checked here, the rest by pytest
    if not command:
        parser.error("give the server's command after --, with {port} where its port goes")
    try:
        server = OPTIONS_BY_NAME["server"].check(_joined(command))
    except argparse.ArgumentTypeError as error:
        parser.error(f"the command after --: {error}")
    if any(WORKERS_OPTION.fullmatch(word) for word in theirs):  # else pytest's "unrecognized arguments: -n"
        try:
            extras.require("parallel", "wirecheck gate -n")
        except extras.MissingExtra as missing:
            parser.error(str(missing))
    pcap_dir = [] if ours.pcap_dir else [plugin_flag("pcap_dir"), str(Path.cwd() / "captures")]
    done = subprocess.run([sys.executable, "-m", "pytest", str(CONTRACT_DIR), "-c", str(GATE_INI),
                           "-p", "no:cacheprovider", "-p", "wirecheck.plugin", *pcap_dir, *plugin_options(ours),
                           *theirs, plugin_flag("server"), server], env={**os.environ, GATE_RUN_VARIABLE: "1"})
    return _EXIT.get(done.returncode, GATE_BROKEN)


def show(argv: list[str]) -> int:
    """Draw a saved capture's connections as ladders; exit status 0 when drawn, 2 when it is missing or no capture."""
    parser = argparse.ArgumentParser(prog="wirecheck show", description="Draw every TCP connection of a saved "
                                     "capture (any pcap or pcapng) as a ladder, with its comments beside their frames.")
    parser.add_argument("capture", type=Path, help="a pcap or pcapng file")
    args = parser.parse_args(argv)
    try:
        saved = read(args.capture)
    except CaptureFileError as error:
        print(f"wirecheck show: {error}", file=sys.stderr)
        return 2
    print(drawing(saved))
    return 0


def plugin_options(ours: argparse.Namespace) -> list[str]:
    """The contract's options that were given to the gate, under the plugin's names, as they were typed."""
    given = [option for option in OPTIONS if getattr(ours, option.name, None) is not None]
    return [word for option in given
            for word in ((plugin_flag(option.name),) if option.is_flag else (plugin_flag(option.name),
                                                                              getattr(ours, option.name)))]


def _joined(command: list[str]) -> str:
    """The command as one line that splits back into the same words, {port} (and {cert}, {key}, {ca}) left
    readable."""
    return " ".join(word if word in (PORT_PLACEHOLDER, *TLS_PLACEHOLDERS) else shlex.quote(word) for word in command)


def gate_parser() -> argparse.ArgumentParser:
    """`wirecheck gate`'s options: the plugin's own (wirecheck.plugin._settings.OPTIONS), one help text each."""
    parser = argparse.ArgumentParser(
        prog="wirecheck gate", usage="wirecheck gate [options] -- COMMAND ARGS... {port}", allow_abbrev=False,
        description="Run the contract of a well-behaved HTTP server against COMMAND ({port} becomes a free port; "
                    "the server must listen on 127.0.0.1 there). Exit status: 0 the contract holds, 1 it does not, "
                    "2 usage error, 3 the run broke. Each option below is the pytest plugin's with the prefix wire- "
                    "(--fin-within is --wire-fin-within under pytest). Other options (--strict, --junitxml FILE, "
                    "-n N, -k EXPR) go to pytest.")
    for option in OPTIONS:
        kind = {"action": "store_true", "default": None} if option.is_flag else {"type": _as_typed(option.check)}
        if option.name != "server":  # the command after "--"
            parser.add_argument(gate_flag(option.name), help=option.help_text(gate_flag), **kind)
    return parser


def _as_typed(check: Callable[[str], object]) -> Callable[[str], str]:
    """`check`, keeping the text as typed: the plugin checks it again, under its own name."""
    def checked(text: str) -> str:
        check(text)
        return text
    return checked


if __name__ == "__main__":
    sys.exit(main())
