"""The unit tests and examples/ on the oldest and the newest Python this machine offers within requires-python,
each with the newest pytest 8 and the newest pytest 9: pyproject.toml promises all four (bin/compat runs this).

The interpreters are those on the machine: Debian's (/usr/bin/python3.X, from apt: bookworm has 3.11 alone) and
pyenv's (~/.pyenv/versions, part of the machine's image); PyPI cannot bring one, nor can uv download one here.
Each pair gets a virtual environment outside the clone (~/.cache/wirecheck-compat/), holding the project's
dependencies and the extras the suite needs, but not the project: the runs start in the clone, so they import its
wirecheck and its conftest.py loads the plugin, as a run of a clone that did not install it does. An environment
is made again only when its requirements or its interpreter change. Exit status 1 if any run failed.
"""

import argparse
import hashlib
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from packaging.specifiers import SpecifierSet

try:
    import tomllib
except ModuleNotFoundError:  # the clone's .venv on Python 3.10
    import tomli as tomllib

CLONE = Path(__file__).resolve().parent.parent
ENVIRONMENTS = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "wirecheck-compat"
PYENV_VERSIONS = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
PYTEST_SERIES = {"8": "pytest>=8,<9", "9": "pytest>=9,<10"}
# Serial (-n 0): the unit tests take seconds, and six xdist workers would take longer to start.
RUNS = (("tests/unit",), ("examples",))
INSTALL_SECONDS = 600
RUN_SECONDS = 600


@dataclass(frozen=True)
class Interpreter:
    version: tuple[int, int, int]
    path: Path

    @property
    def name(self) -> str:
        return "Python " + ".".join(map(str, self.version))


def interpreters() -> list[Interpreter]:
    """Every interpreter on this machine that can make a virtual environment, the newest patch of each minor."""
    candidates = [*Path("/usr/bin").glob("python3.*"), *Path("/usr/local/bin").glob("python3.*"),
                  *PYENV_VERSIONS.glob("*/bin/python3")]
    newest: dict[tuple[int, int], Interpreter] = {}
    for path in candidates:
        if not re.fullmatch(r"python3(\.\d+)?", path.name) or not os.access(path, os.X_OK):
            continue
        done = subprocess.run([path, "-c", "import sys, venv, ensurepip; print(*sys.version_info[:3])"],
                              capture_output=True, text=True)
        if done.returncode != 0:
            continue  # no venv or ensurepip (Debian's without python3-venv), or not Python 3 at all
        major, minor_number, patch = map(int, done.stdout.split())
        found = Interpreter((major, minor_number, patch), path)
        minor = found.version[:2]
        if minor not in newest or found.version > newest[minor].version:
            newest[minor] = found
    return sorted(newest.values(), key=lambda interpreter: interpreter.version)


def requirements(pytest_spec: str) -> list[str]:
    """The project's dependencies and every extra but `dev` (the suite's; dev adds the lint and type tools), with
    pytest narrowed to one series."""
    project = tomllib.loads((CLONE / "pyproject.toml").read_text())["project"]
    extras = [spec for name, specs in project["optional-dependencies"].items() if name != "dev" for spec in specs]
    return [*project["dependencies"], *extras, pytest_spec]


def environment(interpreter: Interpreter, series: str) -> Path:
    """The virtual environment of this pair, made (again) if its requirements or its interpreter changed."""
    lines = requirements(PYTEST_SERIES[series])
    directory = ENVIRONMENTS / f"python{interpreter.version[0]}.{interpreter.version[1]}-pytest{series}"
    stamp = hashlib.sha256("\n".join([str(interpreter.path), *lines]).encode()).hexdigest()
    stamp_file = directory / "wirecheck-compat.stamp"
    if stamp_file.exists() and stamp_file.read_text() == stamp:
        return directory
    print(f"compat: making {directory} ({interpreter.name}, {PYTEST_SERIES[series]})", flush=True)
    subprocess.run([interpreter.path, "-m", "venv", "--clear", directory], check=True, timeout=INSTALL_SECONDS)
    (directory / "requirements.txt").write_text("\n".join(lines) + "\n")
    subprocess.run([directory / "bin" / "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    "-r", directory / "requirements.txt"], check=True, timeout=INSTALL_SECONDS)
    stamp_file.write_text(stamp)
    return directory


def pytest_version(directory: Path) -> str:
    done = subprocess.run([directory / "bin" / "python", "-c", "import pytest; print(pytest.__version__)"],
                          capture_output=True, text=True, check=True)
    return done.stdout.strip()


def main() -> int:
    parser = argparse.ArgumentParser(prog="bin/compat", description=__doc__.split("\n\n")[0])
    parser.add_argument("--pytest", choices=sorted(PYTEST_SERIES), action="append",
                        help="only this pytest series (again for another); default: all")
    series_asked = parser.parse_args().pytest or sorted(PYTEST_SERIES)
    allowed = SpecifierSet(tomllib.loads((CLONE / "pyproject.toml").read_text())["project"]["requires-python"])
    found = interpreters()
    usable = [i for i in found if ".".join(map(str, i.version)) in allowed]
    print(f"compat: interpreters here: {', '.join(f'{i.name} ({i.path})' for i in found)}; requires-python "
          f"{allowed}", flush=True)
    if not usable:
        print("compat: no interpreter here meets requires-python", file=sys.stderr)
        return 1
    chosen = [usable[0], usable[-1]] if len(usable) > 1 else usable
    outcomes = []
    for interpreter in chosen:
        for series in series_asked:
            directory = environment(interpreter, series)
            label = f"{interpreter.name}, pytest {pytest_version(directory)}"
            for paths in RUNS:
                print(f"compat: {label}: {' '.join(paths)}", flush=True)
                done = subprocess.run([directory / "bin" / "python", "-m", "pytest", *paths, "-p", "no:cacheprovider",
                                       "-n", "0", "-q"], cwd=CLONE, timeout=RUN_SECONDS)
                outcomes.append((label, " ".join(paths), done.returncode))
    print("\ncompat: summary")
    for label, what, status in outcomes:
        print(f"  {label:<32} {what:<12} {'passed' if status == 0 else f'FAILED (exit {status})'}")
    return 1 if any(status != 0 for _, _, status in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
