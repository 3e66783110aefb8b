"""wirecheck installed the way a new user installs it, used from a directory outside the clone.

A fresh virtual environment in a new directory under /tmp, `pip install <clone>` (no -e, no extras;
pip uses the machine's pip configuration as it is) beside the pytest plugins a project may
already have (GUEST_PLUGINS; two of them once clashed with wirecheck's options), then, from
that directory: an unrelated project's tests pass, with those plugins' own options, and find
their pytest process untouched (tests/support/unrelated_project.py: no process started by wirecheck,
no subreaper, no captures/, one header line); `wirecheck gate` against http.server holds
(exit 0, the table printed, a --json-report that the installed schema accepts), against a
server that leaves zombies fails (exit 1, no-leak), and a bad command is a usage error
(exit 2); the example custom check (examples/) passes with a plain `pytest` against
http.server and fails against a server whose FIN comes late; and `wirecheck show` draws a
capture the gate saved. The installed package requires neither extra (jsonschema, pytest-xdist) and ships its
py.typed marker. One test, so that pip runs once for it (20-50 s of the test's 60-150 s
here, depending on the load); deselect it with `-m "not install"`. pytest 8 and the oldest and
newest Python are bin/compat's (.ci/run).
"""

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest
import unrelated_project
from gate_runs import selecting

from wirecheck.capture._loopback import can_capture
from wirecheck.contract._properties import BY_KEY, numbered
from wirecheck.server._session import REPO_ROOT
from wirecheck.tshark._handoff import without_handoff

PIP_SECONDS = 300  # a cold pip cache downloads every dependency
pytestmark = [pytest.mark.install, pytest.mark.timeout(2 * PIP_SECONDS),  # the suite's 60 s is for one test
              pytest.mark.skipif(bool(can_capture()), reason=can_capture() or "")]

GATE_SECONDS = 120
EXAMPLE_SECONDS = 60
# The faulty server's run: no-leak alone (tests/gate/test_gate.py runs them all), a burst that still leaves zombies.
FAULTY_BURST = "10"
LATE_FIN_DELAY = "0.2"  # the example allows 50 ms
BASICS = 6  # the properties of wirecheck/contract/test_basics.py: the gate runs at least these
# Plugins a project may have installed already; with wirecheck beside them, pytest-json-report (--json-report) and
# pytest-html-reporter (--html-report) once stopped every run.
GUEST_PLUGINS = ("pytest-json-report", "pytest-html", "pytest-html-reporter", "pytest-cov", "pytest-asyncio",
                 "pytest-xdist")
# Each of them used, by its own options, in the unrelated project's run (pytest-xdist is there, unused: serial).
GUEST_OPTIONS = ("--json-report", "--json-report-file=report.json", "--html=page.html", "--html-report=reporter.html",
                 "--cov=.", "--cov-report=term")
GUEST_FILES = ("report.json", "page.html", "reporter.html", ".coverage")


class Installed:
    """A virtual environment with wirecheck installed from the clone, and a working directory beside it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.venv = root / "venv"
        self.workdir = root / "project"
        # As a user's own runs: their captures are checked by their own tshark, not handed up to this run (their
        # directory is gone by the time this run's batch would read them).
        self.env = {**without_handoff(os.environ), "PATH": f"{self.venv / 'bin'}{os.pathsep}{os.environ['PATH']}",
                    "PYTHONPATH": "", "PYTHONDONTWRITEBYTECODE": "1"}

    def run(self, *argv: str, timeout: float, cwd: Path | None = None, **env: str) -> subprocess.CompletedProcess:
        return subprocess.run(argv, cwd=cwd or self.workdir, env=self.env | env, capture_output=True, text=True,
                              timeout=timeout)

    def article_server(self, name: str) -> str:
        """The path of the article's server `name` inside the installed package."""
        done = self.run("python", "-c", f"from wirecheck.article._registry import server; print(server({name!r}).path)",
                        timeout=EXAMPLE_SECONDS)
        return done.stdout.strip()


@contextlib.contextmanager
def installation(*requirements: str) -> Iterator[Installed]:
    """A fresh virtual environment with wirecheck from the clone and `requirements`, removed afterwards."""
    # Readable by all (mkdtemp makes it 700): the servers run as nobody, and http.server lists this directory.
    root = Path(tempfile.mkdtemp(prefix="wirecheck-install-"))
    root.chmod(0o755)
    try:
        installed = Installed(root)
        installed.workdir.mkdir()
        installed.workdir.chmod(0o755)
        subprocess.run([sys.executable, "-m", "venv", str(installed.venv)], check=True, timeout=PIP_SECONDS)
        pip = installed.run("python", "-m", "pip", "install", "--quiet", str(REPO_ROOT), *requirements,
                            timeout=PIP_SECONDS)
        assert pip.returncode == 0, pip.stderr[-3000:]
        shutil.copytree(REPO_ROOT / "examples", installed.workdir / "examples")
        yield installed
    finally:
        shutil.rmtree(root)


@pytest.fixture(scope="module")
def installed() -> Iterator[Installed]:
    with installation(*GUEST_PLUGINS) as installed:
        yield installed


def test_installed_beside_other_plugins_it_leaves_other_projects_alone_and_gate_example_and_show_work(installed):
    _the_package_declares_its_extras_and_types(installed)
    _an_unrelated_project_runs_untouched(installed)
    held = _the_gate_holds_fails_and_refuses(installed)
    _the_example_check_runs(installed)
    _show_draws(installed, held)


def _the_package_declares_its_extras_and_types(installed: Installed) -> None:
    """A plain install requires neither extra (the guest plugins bring pytest-xdist here, so the metadata tells),
    and ships the py.typed marker."""
    shipped = installed.run("python", "-c", "import importlib.metadata as m, importlib.resources as r; "
                            "print([q for q in m.requires('wirecheck') if 'extra ==' not in q]); "
                            "print(r.files('wirecheck').joinpath('py.typed').is_file())", timeout=EXAMPLE_SECONDS)
    plain, typed = shipped.stdout.splitlines()
    assert "jsonschema" not in plain and "xdist" not in plain, f"a plain install requires an extra's: {plain}"
    assert typed == "True", "the package's py.typed marker was not installed"


def _an_unrelated_project_runs_untouched(installed: Installed) -> None:
    project = unrelated_project.make(installed.root / "unrelated")
    done = installed.run("pytest", "-p", "no:cacheprovider", *GUEST_OPTIONS, cwd=project, timeout=EXAMPLE_SECONDS)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert f"{unrelated_project.TESTS} passed" in done.stdout, done.stdout[-3000:]
    assert len(unrelated_project.wirecheck_lines(done.stdout)) <= 1, done.stdout[:3000]
    assert not (project / "captures").exists()
    assert all((project / name).exists() for name in GUEST_FILES), sorted(path.name for path in project.iterdir())


def _the_gate_holds_fails_and_refuses(installed: Installed) -> dict:
    """The gate's verdicts, with the other plugins loaded beside it; the JSON report of the run that held."""
    # http.server meets every MUST but descriptor-limit (socketserver spins at EMFILE: tests/gate/test_gate.py shows
    # that failure), which is left out here as a user would leave out a property they know about
    good = installed.run("wirecheck", "gate", "--json-report", "good.json", "-k", "not test_descriptor_limit_", "--",
                         "python3", "-m", "http.server", "--bind", "127.0.0.1", "{port}", timeout=GATE_SECONDS)
    assert good.returncode == 0, good.stdout[-3000:] + good.stderr[-3000:]
    held = _validates(installed, "good.json")
    run = {BY_KEY[test["property"]] for test in held["tests"] if test["outcome"] != "skipped"}  # TLS's: a plain run
    assert len(run) >= BASICS, f"the contract's tests did not all run: {sorted(p.key for p in run)}"
    outcomes = ("passed", "warn")  # it meets every MUST run; it has no header timeout and a backlog of 5 (SHOULDs)
    assert all(any(f"{numbered(p.key):<44} {p.level:<6} {outcome}" in good.stdout
                   for outcome in (outcomes if p.level == "SHOULD" else outcomes[:1])) for p in run), \
        good.stdout[-3000:]

    zombies = installed.run("wirecheck", "gate", "--burst-size", FAULTY_BURST, "-k", selecting("no-leak"),
                            "--json-report", "faulty.json", "--",
                            "python3", installed.article_server("forking"), "--delay", "0", "--port", "{port}",
                            timeout=GATE_SECONDS)
    assert zombies.returncode == 1, zombies.stdout[-3000:] + zombies.stderr[-3000:]
    report = _validates(installed, "faulty.json")
    failed = {(test["property"], kind) for test in report["tests"] if test["outcome"] != "passed"
              for kind in test["problem_kinds"]}
    assert failed == {("no-leak", "zombie-children")}, failed

    no_port = installed.run("wirecheck", "gate", "--", "python3", "-m", "http.server", timeout=GATE_SECONDS)
    bad_option = installed.run("wirecheck", "gate", "--fin-within", "soon", "--", "python3", "-m", "http.server",
                               "{port}", timeout=GATE_SECONDS)
    assert (no_port.returncode, bad_option.returncode) == (2, 2), no_port.stderr + bad_option.stderr
    assert "has no {port}" in no_port.stderr and "--fin-within" in bad_option.stderr
    return held


def _the_example_check_runs(installed: Installed) -> None:
    example = installed.run("pytest", "examples", "-p", "no:cacheprovider", timeout=EXAMPLE_SECONDS)
    assert example.returncode == 0, example.stdout[-3000:]
    late = installed.run("pytest", "examples", "-p", "no:cacheprovider", timeout=EXAMPLE_SECONDS,
                         EXAMPLE_SERVER=f"python3 {installed.article_server('iterative')} --delay {LATE_FIN_DELAY} "
                                        "--port {port}")
    assert late.returncode == 1 and "2 failed" in late.stdout, late.stdout[-3000:]


def _show_draws(installed: Installed, held: dict) -> None:
    capture = next(test["capture"] for test in held["tests"] if test["property"] == "complete-response")
    shown = installed.run("wirecheck", "show", capture, timeout=EXAMPLE_SECONDS)
    assert shown.returncode == 0 and "1 TCP connection" in shown.stdout, shown.stdout + shown.stderr


def _validates(installed: Installed, name: str) -> dict:
    """The report `name`, once the installed package's schema has accepted it (jsonschema is an extra the plain
    install leaves out: this process's validates)."""
    done = installed.run("python", "-c", "import json, wirecheck.plugin._json_run as r; print(json.dumps(r.schema()))",
                         timeout=EXAMPLE_SECONDS)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads((installed.workdir / name).read_text())
    jsonschema.validate(report, json.loads(done.stdout))
    return report
