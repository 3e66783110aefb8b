"""The pytest side of wirecheck: options, the `wire` fixture, the contract gate, report header and summary.

Every option (wirecheck.plugin._settings) has one help text, used for the command-line flag and
the ini key alike, both named with wirecheck's prefix (--wire-fin-within, wire_fin_within:
wirecheck._option_names); the settings in force are printed in the report header. The `wire`
fixture starts a capture and a server, hands out observations, turns verdicts into
failures that show the conversation, and at teardown ends the server's whole tree,
saves the annotated capture under captures/<test module>/<test name>.pcapng and hands
it to tshark to confirm what the suite saw (in batches, wirecheck.tshark._batch). With
--wire-server, only the tests marked `contract` run, against that command, and a table of
the contract's properties ends the run.
"""

import argparse
import contextlib
import shlex
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from wirecheck._option_names import flag, ini_key, plugin_flag
from wirecheck.article._registry import SERVERS
from wirecheck.capture._loopback import can_capture
from wirecheck.clients._requests import trial_get
from wirecheck.contract._properties import BY_KEY, level_of
from wirecheck.plugin import _html_run as html_run
from wirecheck.plugin import _json_run as json_report
from wirecheck.plugin import _tls_run as tls_run
from wirecheck.plugin import _tshark_reports as tshark_reports
from wirecheck.plugin._fixture import Wire
from wirecheck.plugin._levels import Levels, strict
from wirecheck.plugin._profiling import ProfileAndBaseline
from wirecheck.plugin._results import REPORT_ATTRIBUTE, TestRecord
from wirecheck.plugin._settings import DEFAULT_CONTRACT_SERVER, OPTIONS, Settings
from wirecheck.plugin._summary import ContractSummary
from wirecheck.server._dialer import dialer_for
from wirecheck.server._ports import free_port, release_port, with_port
from wirecheck.server._privileges import DEFAULT_SERVER_USER, ServerUser, check_server_user, choose_server_user
from wirecheck.server._process import ServerFailed, ServerProcess
from wirecheck.server._session import REPO_ROOT
from wirecheck.server._tls import TlsFiles, with_files

_SETTINGS = pytest.StashKey[Settings]()
_WIRE = pytest.StashKey[Wire]()
_RECORD = pytest.StashKey[TestRecord]()
_DESELECTED = pytest.StashKey[int]()
_SERVER_USER = pytest.StashKey[ServerUser]()
_TRIAL = pytest.StashKey[str]()
_TLS = pytest.StashKey[TlsFiles | None]()
# The statuses that say the path is wrong, not the server: anything else the trial GET gets (a 5xx, a reset, no
# answer) is the server's behaviour, for the contract's properties to judge with their captures.
PATH_NOT_SERVED = frozenset({404, 405, 410})
DESCRIPTOR_LIMIT = "descriptor-limit"  # the property whose server starts under --wire-nofile


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("wirecheck", "packet-level checks on the loopback wire; each option is an ini key too, "
                                         "--wire-fin-within as wire_fin_within (pytest's --strict, or from pytest 9 "
                                         "its ini key strict, also makes an unmet SHOULD property of the contract "
                                         "fail)")
    for option in OPTIONS:
        text = option.help_text(plugin_flag)
        kind = {"action": "store_true"} if option.is_flag else {"type": option.check}
        group.addoption(plugin_flag(option.name), dest=ini_key(option.name), default=None, help=text, **kind)
        parser.addini(ini_key(option.name), text, default=option.default)


def _value(config: pytest.Config, option) -> object:
    """The command-line value if given, else the ini value, checked like the command line."""
    value = config.getoption(ini_key(option.name))
    if value is not None:
        return value
    raw = config.getini(ini_key(option.name))
    try:
        return option.check(raw) if raw else raw  # an empty ini value means "not set" (pcap_dir, server)
    except argparse.ArgumentTypeError as error:
        raise pytest.UsageError(f"ini option {ini_key(option.name)}: {error}") from None


def option_values(config: pytest.Config) -> dict[str, object]:
    """Every wirecheck option's value in force, by its own name (fin_within): the command line's, else the ini
    file's."""
    return {option.name: _value(config, option) for option in OPTIONS}


def pytest_configure(config: pytest.Config) -> None:
    """Read and check the options, and register the plugin's parts: no process, file or process attribute yet, as
    every pytest run of an environment that has wirecheck installed comes here (_start_using does the rest)."""
    config.addinivalue_line("markers", "contract(property): a property of the contract of a well-behaved server; "
                                       f"with {flag('server')}, only these tests run")
    values = option_values(config)
    values["strict"] = strict(config)
    settings = Settings.from_values(values, config.rootpath)
    config.stash[_SETTINGS] = settings
    try:  # a user given is a value to check now; the default (nobody) waits for use: a project that never uses
        if settings.server_user != DEFAULT_SERVER_USER:  # wirecheck runs where no nobody exists too
            check_server_user(settings.server_user)
    except ValueError as error:
        raise pytest.UsageError(str(error)) from None
    tls_problem = tls_run.problem(settings)
    if tls_problem:
        raise pytest.UsageError(tls_problem)
    if values["pcap_dir"]:  # a directory given is a value to check now, like any other; the default waits for use
        _check_writable(settings.pcap_dir)
    if settings.server:  # the contract's run, which uses wirecheck from its start (the server's trial run)
        _start_using(config)
    tshark_reports.register(config)
    config.pluginmanager.register(ContractSummary(f"{flag('server')} {settings.server!r}" if settings.server
                                                  else f"the reference server {DEFAULT_CONTRACT_SERVER}",
                                                  settings.server, lambda: config.stash.get(_DESELECTED, None)))
    html_run.register(config, settings)
    json_report.register(config, settings, values)
    config.pluginmanager.register(Levels(settings.strict))
    config.pluginmanager.register(ProfileAndBaseline(settings, values))


def _start_using(config: pytest.Config) -> ServerUser:
    """What a test of the wire needs, done once a process, by the first test that asks for `wire` (or, with
    --wire-server, at the start): the captures directory checked, the servers' user tried (ServerProcess.start
    makes this process the reaper of the servers' orphans). A pytest.UsageError says the captures cannot be
    written, or the user is not there."""
    if _SERVER_USER not in config.stash:
        settings = config.stash[_SETTINGS]
        _check_writable(settings.pcap_dir)
        try:
            config.stash[_SERVER_USER] = user = choose_server_user(settings.server_user, REPO_ROOT, SERVERS[0].path)
        except ValueError as error:  # the default user, not there: checked only now that a test needs it
            raise pytest.UsageError(str(error)) from None
        if user.fell_back and not settings.server:  # a contract run's header says so; other runs' headers do not
            warnings.warn(f"wirecheck: {user.reason}", stacklevel=1)
        config.stash[_TLS] = tls_run.run_files(settings) if settings.tls else None
        if config.stash[_TLS]:  # the throwaway files and the key logs go with the run
            config.add_cleanup(lambda: shutil.rmtree(config.stash[_TLS].directory, ignore_errors=True))
    return config.stash[_SERVER_USER]


def _contract_command(config: pytest.Config, port: int) -> list[str]:
    """--wire-server's command for a server on `port`, with the run's TLS files."""
    return with_files(with_port(shlex.split(config.stash[_SETTINGS].server), port), config.stash[_TLS])


def _check_writable(directory: Path) -> None:
    """Checked on the directory or, until a capture makes it, on its nearest existing parent: a run that saves no
    capture leaves no captures/ behind."""
    existing = next(path for path in (directory, *directory.parents) if path.exists())
    try:
        tempfile.TemporaryFile(dir=existing).close()
    except OSError as error:
        raise pytest.UsageError(f"{flag('pcap_dir')} {directory}: cannot write captures there "
                                f"({error.strerror})") from None


def pytest_sessionstart(session: pytest.Session) -> None:
    """With --wire-server, try the command and one GET of --wire-contract-path once before any test, so that a bad
    command or a wrong path is one clear error. What else the GET gets (a 5xx, a reset, no answer) is the server's to
    answer for: the contract runs and fails it, property by property, with captures."""
    settings = session.config.stash[_SETTINGS]
    if not settings.server or hasattr(session.config, "workerinput"):  # xdist workers: the controller checked
        return
    if can_capture():  # every contract test would be skipped, and a gate that skipped everything would pass
        raise pytest.UsageError(f"{flag('server')}: {can_capture()}")
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="wirecheck-preflight-") as scratch:
        server = ServerProcess(_contract_command(session.config, port), Path(scratch) / "server.log",
                               cwd=session.config.invocation_params.dir, user=session.config.stash[_SERVER_USER].name)
        try:
            server.start()
            server.wait_listening(port, settings.listen_timeout)
            status, answer = trial_get(dialer_for(port, session.config.stash[_TLS]), settings.contract_path,
                                       settings.listen_timeout)
            server.stop()  # which says so if the server left a daemon behind
        except ServerFailed as error:
            raise pytest.UsageError(f"{flag('server')} {settings.server!r}: {error}") from None
        finally:
            with contextlib.suppress(ServerFailed):  # stopped already, unless an error is on its way
                server.stop()
            release_port(port)
    if status != settings.contract_status and status in PATH_NOT_SERVED:  # else every property fails, none says why
        raise pytest.UsageError(f"{flag('contract_path')} {settings.contract_path}: a trial GET got {answer}, "
                                f"expected status {settings.contract_status} ({flag('contract_status')}): give a path "
                                "the server serves")
    if hasattr(session.config.option, "numprocesses") and session.config.getoption("numprocesses"):
        _trial_start(session.config, open_files_limit=settings.nofile)  # see pytest_collection_finish
    session.config.stash[_TRIAL] = answer if status == settings.contract_status else \
        f"{answer}, not {settings.contract_status}: the server's failure, which the contract's properties show"


@pytest.hookimpl(trylast=True)  # after -k and -m have deselected
def pytest_collection_finish(session: pytest.Session) -> None:
    """With --wire-server, when property descriptor-limit is to run, try the command once under its limit
    (--wire-nofile): a server that cannot even start under it is the user's to fix, one clear error with the
    limit named, not a failed property. In a serial run (the gate's default) that is here, where the selection is
    known; under xdist the controller collects nothing, so it tries at the session's start instead."""
    settings = session.config.stash[_SETTINGS]
    if settings.server and not hasattr(session.config, "workerinput") and any(
            (item.get_closest_marker("contract") or pytest.mark.contract(None).mark).args[:1] == (DESCRIPTOR_LIMIT,)
            and not item.get_closest_marker("skip") for item in session.items):  # skipped (--wire-tls): no trial
        _trial_start(session.config, open_files_limit=settings.nofile)


def _trial_start(config: pytest.Config, *, open_files_limit: int) -> None:
    """Start the command under RLIMIT_NOFILE `open_files_limit` until it listens, then stop it; a pytest.UsageError
    naming the limit if it cannot."""
    settings, port = config.stash[_SETTINGS], free_port()
    with tempfile.TemporaryDirectory(prefix="wirecheck-preflight-") as scratch:
        server = ServerProcess(_contract_command(config, port), Path(scratch) / "server.log",
                               cwd=config.invocation_params.dir, open_files_limit=open_files_limit,
                               user=config.stash[_SERVER_USER].name)
        try:
            server.start()
            server.wait_listening(port, settings.listen_timeout)
        except ServerFailed as error:
            raise pytest.UsageError(f"{flag('server')} {settings.server!r}: it does not start under {flag('nofile')} "
                                    f"{open_files_limit} (RLIMIT_NOFILE, for property {DESCRIPTOR_LIMIT}): give a "
                                    f"larger limit, or leave the property out with -k 'not test_descriptor_limit_'"
                                    f"\n{error}") from None
        finally:
            with contextlib.suppress(ServerFailed):
                server.stop()
            release_port(port)


def pytest_report_header(config: pytest.Config) -> list[str]:
    """One line, the main settings: any run in an environment with wirecheck installed prints it, whether it uses
    wirecheck or not. All of them with --wire-server, whose run is wirecheck's, or with -v."""
    settings = config.stash[_SETTINGS]
    if not settings.server and config.option.verbose <= 0:
        return settings.describe()[:1]
    return [*settings.describe(),
            f"wirecheck: sniffing {can_capture() or 'allowed'}; "
            f"tshark agreement check {tshark_reports.describe(config)}",
            *([f"wirecheck: {config.stash[_SERVER_USER].reason}"] if _SERVER_USER in config.stash else []),
            *([f"wirecheck: a trial GET {settings.contract_path} got {config.stash[_TRIAL]}"]
              if _TRIAL in config.stash else [])]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """With --wire-server, only the contract runs: the tests about the article's servers are deselected, and said so."""
    for item in items:
        marker = item.get_closest_marker("contract")
        if marker is not None and (len(marker.args) != 1 or marker.args[0] not in BY_KEY):
            raise pytest.UsageError(f"{item.nodeid}: contract marker needs one property key of "
                                    f"wirecheck.contract._properties, got {marker.args}")
    tls_run.skip_by_transport(items, config.stash[_SETTINGS].tls)
    if not config.stash[_SETTINGS].server:
        return
    article = [item for item in items if item.get_closest_marker("contract") is None]
    if article:
        items[:] = [item for item in items if item.get_closest_marker("contract") is not None]
        config.hook.pytest_deselected(items=article)
        config.stash[_DESELECTED] = len(article)


@pytest.fixture
def wire(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Wire]:
    """Capture the loopback wire around one server; saved as pcapng at the end."""
    reason = can_capture()
    if reason:
        pytest.skip(reason)
    config = request.config
    try:
        server_user = _start_using(config)
    except pytest.UsageError as error:  # the default captures/, checked only now that a test captures
        pytest.fail(str(error), pytrace=False)
    wire = Wire(request.node, config.stash[_SETTINGS], server_user, tmp_path / "server.log",
                request.node.stash.setdefault(_RECORD, TestRecord()), config.stash[_TLS])
    request.node.stash[_WIRE] = wire
    yield wire
    wire.finish()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    wire = item.stash.get(_WIRE, None)
    if report.failed and wire is not None and wire.session is not None:
        report.sections.append(("wirecheck server output", wire.session.server.output() or "(none)"))
        report.sections.append(("wirecheck capture", str(wire.capture_path)))
    if _RECORD in item.stash:
        record = item.stash[_RECORD]
        setattr(report, REPORT_ATTRIBUTE, record.to_dict())
        if record.problems:  # JUnit XML shows user properties: CI systems read the kinds there
            report.user_properties.append(("problem_kinds", " ".join(record.kinds)))
    marker = item.get_closest_marker("contract")
    if marker is not None:
        kinds = item.stash[_RECORD].kinds if _RECORD in item.stash else []
        report.user_properties += [("contract", marker.args[0]), ("level", level_of(marker.args[0], kinds))]
    return report
