"""The suite's settings: one table of options, each with one help text and one checker.

The pytest plugin turns each row into a command-line flag and an ini key, with wirecheck's
prefix (wirecheck._option_names: --wire-fin-within, wire_fin_within); `wirecheck gate` takes the
row's own name (--fin-within). A bad value is refused by its checker with one line that says
why (argparse shows it as a usage error). Nothing here imports pytest.
"""

import argparse
import shlex
import signal
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from wirecheck._option_names import flag
from wirecheck.checks._timing import DEFAULT_FLOOR_SECONDS, DEFAULT_FRACTION, Tolerance
from wirecheck.contract._profile import ProfileError, load
from wirecheck.server._ports import LISTEN_TIMEOUT_SECONDS, PORT_PLACEHOLDER
from wirecheck.server._privileges import DEFAULT_SERVER_USER

# The contract's reference: the article's correct server (3g) with a lingering close, because 3g's close over an
# unread upload sends RST, which cuts its answer short (the contract's property "early answer to an upload is whole").
DEFAULT_CONTRACT_SERVER = "forking_lingering"


def _number(text: str, kind: type, low: float, high: float, unit: str) -> float:
    try:
        value = kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a {kind.__name__} {unit}: {text!r}") from None
    if not low <= value <= high:
        raise argparse.ArgumentTypeError(f"must be {low:g} to {high:g} {unit}, not {text}")
    return value


def _server_command(text: str) -> str:
    try:
        argv = shlex.split(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"cannot split {text!r} into words: {error}") from None
    if not argv:
        raise argparse.ArgumentTypeError("is empty: give the command that starts your server")
    if not any(PORT_PLACEHOLDER in word for word in argv):
        raise argparse.ArgumentTypeError(f"{text!r} has no {PORT_PLACEHOLDER}: the suite picks a free port and "
                                         f"puts it there, e.g. 'python3 -m http.server {PORT_PLACEHOLDER} "
                                         "--bind 127.0.0.1'")
    return text


def _path(text: str) -> str:
    if not text.startswith("/") or any(c.isspace() for c in text):
        raise argparse.ArgumentTypeError(f"must be a path starting with / and without spaces, not {text!r}")
    return text


def _path_or_none(text: str) -> str:
    return _path(text) if text else text


def _output_file(text: str) -> str:
    if not Path(text).parent.is_dir():
        raise argparse.ArgumentTypeError(f"{text}: directory {Path(text).parent} does not exist")
    return text


def _profile_file(text: str) -> str:
    try:
        load(Path(text))
    except ProfileError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return text


def _pem_file(text: str) -> str:
    """A readable file holding at least one PEM block (a certificate, a key)."""
    try:
        pem = Path(text).read_bytes()
    except OSError as error:
        raise argparse.ArgumentTypeError(f"cannot read {text}: {error.strerror}") from None
    if b"-----BEGIN " not in pem:
        raise argparse.ArgumentTypeError(f"{text} is no PEM file (no -----BEGIN line)") from None
    return text


def _on_or_off(text: str) -> bool:
    """An ini file's value of a flag."""
    if text.strip().lower() not in ON_OR_OFF:
        raise argparse.ArgumentTypeError(f"must be one of {', '.join(ON_OR_OFF)}, not {text!r}")
    return ON_OR_OFF[text.strip().lower()]


ON_OR_OFF = {"true": True, "yes": True, "on": True, "1": True, "false": False, "no": False, "off": False, "0": False}


def _signal(text: str) -> signal.Signals:
    """A signal by name (TERM, SIGTERM, quit) or number."""
    name = text.strip().upper()
    try:
        return signal.Signals(int(name)) if name.isdigit() else signal.Signals[name if name.startswith("SIG")
                                                                             else "SIG" + name]
    except (KeyError, ValueError):
        raise argparse.ArgumentTypeError(f"not a signal: {text!r} (e.g. TERM, QUIT, INT, WINCH)") from None


@dataclass(frozen=True)
class Option:
    name: str  # its own name: `wirecheck gate`'s, the JSON report's; the plugin adds its prefix (option_names)
    help: str  # "%(default)s" is the default; "%(baseline)s" another option, as the parser at hand spells it
    check: Callable[[str], object]
    default: str
    is_flag: bool = False  # given alone on the command line (--wire-tls); its ini key takes true or false

    def help_text(self, spelled: Callable[[str], str]) -> str:
        """The help, other options named by `spelled` (option_names.flag for the plugin, gate_flag for the gate)."""
        return self.help % {"default": self.default or "none", **{option.name: spelled(option.name)
                                                                 for option in OPTIONS}}


# The descriptor-limit property's RLIMIT_NOFILE: room for a Python server's own descriptors (about ten) and a few
# clients at least; at most what a crowd of that size plus 36 costs the gate in sockets and time.
NOFILE_MIN, NOFILE_MAX = 16, 4096
# The idle test waits the window and its 12.5 % tolerance within the contract's 60 s per test (pytest-timeout).
IDLE_WINDOW_MAX_SECONDS = 45

OPTIONS = (
    Option("timing_tolerance", "smallest timing tolerance in seconds; a gap may differ from the expected one by "
           "the larger of this and %(timing_tolerance_percent)s of the gap (default: %(default)s)",
           lambda text: _number(text, float, 0, 60, "seconds"), str(DEFAULT_FLOOR_SECONDS)),
    Option("timing_tolerance_percent", "timing tolerance as a percentage of the expected gap (default: %(default)s)",
           lambda text: _number(text, float, 0, 100, "percent"), f"{DEFAULT_FRACTION * 100:g}"),
    Option("pcap_dir", "directory for the captures, one pcapng per test (default: captures/ under the rootdir)",
           str, ""),
    Option("server", f"run only the contract tests, against this command; {PORT_PLACEHOLDER} becomes a free port "
           f"and the server must listen on 127.0.0.1 there (default: the reference server {DEFAULT_CONTRACT_SERVER})",
           _server_command, ""),
    Option("listen_timeout", "seconds a server may take to start listening (default: %(default)s)",
           lambda text: _number(text, float, 0.1, 600, "seconds"), f"{LISTEN_TIMEOUT_SECONDS:g}"),
    Option("server_user", "when the suite runs as root, the user the servers run as; root keeps them root "
           "(default: %(default)s)", str, DEFAULT_SERVER_USER),
    Option("contract_path", "the path the contract requests (default: %(default)s)", _path, "/"),
    Option("contract_status", "the status the contract expects (default: %(default)s)",
           lambda text: _number(text, int, 100, 599, ""), "200"),
    Option("fin_within", "seconds within which the server must send its FIN after its response, and answer "
           "while a silent client is connected (default: %(default)s)",
           lambda text: _number(text, float, 0.001, 60, "seconds"), "1.0"),
    Option("burst_size", "connections the contract opens at once: the burst property's connects, the no-leak "
           "property's burst (default: %(default)s, past the backlog of 5 that http.server keeps)",
           lambda text: _number(text, int, 1, 5000, "connections"), "128"),
    Option("crowd", "idle connections the contract opens, in steps of 4, 16, 64 and 256 up to this, while a fresh "
           "client must be answered within %(fin_within)s (default: %(default)s)",
           lambda text: _number(text, int, 1, 10000, "connections"), "256"),
    Option("html_report", "write the run as one self-contained HTML page to this file: the settings, the summary "
           "table and each test's connections drawn from its capture (default: %(default)s)", str, ""),
    Option("profile_out", "write what this run measured, per contract property, to this JSON file: a profile "
           "for %(baseline)s (default: none)", _output_file, ""),
    Option("baseline", "compare this run with a profile written by %(profile_out)s; any change in behaviour fails "
           "the property 'behaviour unchanged since the baseline' (default: none)", _profile_file, ""),
    Option("idle_window", "seconds the contract waits for a server to close an idle keep-alive connection, "
           "measuring its idle timeout; one still open then is recorded as open for more than this. Keep it "
           "away from the server's own timeout: the client waits this plus the timing tolerance "
           "(default: %(default)s, twice the 5 s of node, apache, uvicorn and lighttpd)",
           lambda text: _number(text, float, 0.1, IDLE_WINDOW_MAX_SECONDS, "seconds"), "10.0"),
    Option("json_report", "write the run's results as JSON to this file: each test's outcome, contract property "
           "and level, problem kinds and messages, figures and capture, and the settings (default: none)",
           _output_file, ""),
    Option("header_timeout", "seconds within which the server should cut off a client that trickles its request "
           "head one byte at a time (default: %(default)s)",
           lambda text: _number(text, float, 0.5, 120, "seconds"), "5.0"),
    Option("stop_signal", "the signal that asks the server to stop gracefully, sent to its process group "
           "(nginx: QUIT, apache: WINCH, lighttpd: INT; default: %(default)s)", _signal, "TERM"),
    Option("stop_grace", "seconds within which the server's whole process tree should exit after the stop signal "
           "(default: %(default)s)", lambda text: _number(text, float, 0.1, 120, "seconds"), "5.0"),
    Option("nofile", "the open-files limit (RLIMIT_NOFILE) the server is started under for the descriptor-limit "
           "property, which then holds this many idle connections and 36 more; a server that cannot start under it "
           "is a usage error (default: %(default)s)",
           lambda text: _number(text, int, NOFILE_MIN, NOFILE_MAX, "descriptors"), "64"),
    Option("spin_window", "seconds over which the descriptor-limit property reads the server tree's CPU share while "
           "clients wait past its limit (default: %(default)s)", lambda text: _number(text, float, 0.1, 60, "seconds"),
           "2.0"),
    Option("send_timeout", "seconds within which the server should cut off a client that stops reading its "
           "responses, once its receive window has closed (nginx and apache: 60 s; default: %(default)s)",
           lambda text: _number(text, float, 0.1, 120, "seconds"), "5.0"),
    Option("large_path", "a path whose response is large (a megabyte or more), which the slow-reader property "
           "fetches instead of pipelining requests of %(contract_path)s (default: %(default)s)", _path_or_none, ""),
    Option("tls", "the server speaks HTTPS: the clients speak TLS, trusting %(tls_ca)s; {cert} and {key} in the "
           "command become the certificate and key of %(tls_cert)s and %(tls_key)s, or of a throwaway CA made for "
           "the run (the extra 'tls'), {ca} that CA; each capture carries its connections' TLS secrets "
           "(default: off)", _on_or_off, "", is_flag=True),
    Option("tls_cert", "with %(tls)s, the server's certificate (PEM; its chain, for {cert}), valid for 127.0.0.1 "
           "(default: a throwaway one)", _pem_file, ""),
    Option("tls_key", "with %(tls)s and %(tls_cert)s, the certificate's private key, in PEM, for {key} "
           "(default: %(default)s)", _pem_file, ""),
    Option("tls_ca", "with %(tls)s and %(tls_cert)s, the CA certificate the clients trust (PEM, for {ca}; default: "
           "%(tls_cert)s itself)", _pem_file, ""),
)


@dataclass(frozen=True)
class Settings:
    tolerance: Tolerance
    pcap_dir: Path
    server: str  # "" for the reference server
    listen_timeout: float
    server_user: str
    contract_path: str
    contract_status: int
    fin_within: float
    burst_size: int
    idle_window: float
    html_report: Path | None
    header_timeout: float
    stop_signal: signal.Signals
    stop_grace: float
    profile_out: Path | None = None
    baseline: Path | None = None
    strict: bool = False  # pytest's own --strict (ini key strict): an unmet SHOULD fails the run
    json_report: Path | None = None
    crowd: int = 256
    nofile: int = 64
    send_timeout: float = 5.0
    large_path: str = ""  # none: the slow reader pipelines requests of contract_path
    spin_window: float = 2.0
    tls: bool = False
    tls_cert: Path | None = None
    tls_key: Path | None = None
    tls_ca: Path | None = None

    @classmethod
    def from_values(cls, values: dict[str, object], rootdir: Path) -> "Settings":
        return cls(Tolerance(values["timing_tolerance"], values["timing_tolerance_percent"] / 100),
                   Path(values["pcap_dir"] or rootdir / "captures"), values["server"], values["listen_timeout"],
                   values["server_user"], values["contract_path"],
                   values["contract_status"], values["fin_within"], values["burst_size"], values["idle_window"],
                   Path(values["html_report"]) if values["html_report"] else None, values["header_timeout"],
                   values["stop_signal"], values["stop_grace"],
                   Path(values["profile_out"]) if values["profile_out"] else None,
                   Path(values["baseline"]) if values["baseline"] else None, values.get("strict", False),
                   Path(values["json_report"]) if values.get("json_report") else None,
                   values["crowd"], values["nofile"], values["send_timeout"], values["large_path"] or "",
                   values["spin_window"], bool(values.get("tls")),
                   *(Path(values[name]) if values.get(name) else None for name in ("tls_cert", "tls_key", "tls_ca")))

    def describe(self) -> list[str]:
        """The settings in force, for the report header."""
        server = (f"{flag('server')} {self.server!r}" if self.server
                  else f"the reference server {DEFAULT_CONTRACT_SERVER}")
        # Only the reports asked for: beside pytest-html and pytest-json-report, "no HTML report" would mislead.
        reports = "".join(f"; {name} {path}" for name, path in (("HTML report", self.html_report),
                                                                ("JSON report", self.json_report)) if path)
        return [f"wirecheck: timing tolerance {self.tolerance}; captures in {self.pcap_dir}{reports}",
                f"wirecheck contract: {server}; GET {self.contract_path} expecting {self.contract_status}; "
                f"server FIN within {self.fin_within:g} s; bursts of {self.burst_size} connections; "
                f"crowds of up to {self.crowd} idle connections; "
                f"idle keep-alive window {self.idle_window:g} s",
                f"wirecheck contract: header timeout {self.header_timeout:g} s; stop with {self.stop_signal.name}, "
                f"grace {self.stop_grace:g} s; descriptor limit {self.nofile}; send timeout {self.send_timeout:g} s; "
                f"slow reader {'GET ' + self.large_path if self.large_path else 'pipelines'}; "
                f"{'TLS, certificate ' + str(self.tls_cert or 'throwaway') if self.tls else 'plain HTTP'}",
                f"wirecheck levels: an unmet SHOULD {'fails the run (--strict)' if self.strict else 'is a warning'}"
                f"; profile {self.profile_out or 'not written'}; baseline {self.baseline or 'none'}"]
