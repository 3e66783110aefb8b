"""mkdocs hook: the pages that the code already says, rendered from the code at build time, so they cannot go stale.

A page asks for a generated block with a marker line of its own, `<!-- generated: NAME -->`:

- `properties`: the contract's table of properties, from the package's properties.toml;
- `options`: every option with its plugin flag, ini key, gate flag, default and help, from the OPTIONS table;
- `json-schema`: the JSON report's schema as the package ships it;
- `cli-help ARGS`: what `wirecheck ARGS --help` prints (the installed command, beside this interpreter).

Files are found by name inside the installed package, and modules by walking it, not by a fixed path: the
package's module layout may change without touching this file. A marker this hook cannot fill fails the build.
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

MARKER = re.compile(r"^<!-- generated: (?P<name>[\w-]+)(?: (?P<args>[^>]*?))? -->$", re.MULTILINE)
RFC_SECTION = re.compile(r"RFC (\d+) §([\d.]+)")
UPSTREAM = re.compile(r"\b([\w.-]+)/([\w.-]+)#(\d+)((?:, #\d+)*)")


def _package() -> Path:
    import wirecheck
    return Path(wirecheck.__file__).resolve().parent


def _package_file(name: str) -> Path:
    found = sorted(_package().rglob(name))
    if len(found) != 1:
        raise RuntimeError(f"docs hook: expected one {name} in the wirecheck package, found {found}")
    return found[0]


def _module_with(attribute: str) -> ModuleType:
    """The one module of the wirecheck package that defines `attribute` at its top level."""
    import wirecheck
    found = []
    for info in pkgutil.walk_packages(wirecheck.__path__, "wirecheck."):
        if ".test_" in info.name or info.name.split(".")[-1].startswith("test_"):
            continue
        source = Path(importlib.util.find_spec(info.name).origin or "")
        if source.suffix == ".py" and re.search(rf"^{attribute}\b", source.read_text(), re.MULTILINE):
            found.append(importlib.import_module(info.name))
    if len(found) != 1:
        raise RuntimeError(f"docs hook: expected one module defining {attribute}, found {[m.__name__ for m in found]}")
    return found[0]


def linked_source(source: str) -> str:
    """An RFC section or an upstream issue as a link: RFC 9112 §9.6, benoitc/gunicorn#922, #2529."""
    source = RFC_SECTION.sub(
        lambda m: f"[RFC {m[1]} §{m[2]}](https://www.rfc-editor.org/rfc/rfc{m[1]}#section-{m[2]})", source)

    def issues(m: re.Match[str]) -> str:
        owner, repo = m[1], m[2]
        more = [f"[#{n}](https://github.com/{owner}/{repo}/issues/{n})" for n in re.findall(r"#(\d+)", m[4])]
        return ", ".join([f"[{owner}/{repo}#{m[3]}](https://github.com/{owner}/{repo}/issues/{m[3]})", *more])
    return UPSTREAM.sub(issues, source)


def properties() -> str:
    rows = tomllib.loads(_package_file("properties.toml").read_text())["property"]
    lines = ["| # | property | key | level | source |", "|---|---|---|---|---|"]
    lines += [f"| {number} | {row['title']} | `{row['key']}` | {row['level']} | {linked_source(row['source'])} |"
              for number, row in enumerate(rows, start=1)]
    return "\n".join(lines)


def options() -> str:
    settings, names = _module_with("OPTIONS"), _module_with("def gate_flag")
    lines = ["| plugin flag | ini key | `wirecheck gate` | default | meaning |", "|---|---|---|---|---|"]
    for option in settings.OPTIONS:
        text = option.help_text(names.plugin_flag).replace("|", "\\|")
        suffix = f" (default: {option.default or 'none'})"
        if text.endswith(suffix):  # the default alone: its own column
            text, default = text.removesuffix(suffix), f"`{option.default}`" if option.default else "none"
        else:  # the help says more of the default than its value: keep its words
            default = "(see its meaning)"
        gate = "(the command after `--`)" if option.name == "server" else f"`{names.gate_flag(option.name)}`"
        lines.append(f"| `{names.plugin_flag(option.name)}` | `{names.ini_key(option.name)}` | {gate} | {default} "
                     f"| {text} |")
    return "\n".join(lines)


def json_schema() -> str:
    schema = json.loads(_package_file("json_report.schema.json").read_text())
    return "```json\n" + json.dumps(schema, indent=2, ensure_ascii=False) + "\n```"


def cli_help(args: str) -> str:
    command = shutil.which("wirecheck", path=str(Path(sys.executable).parent)) or shutil.which("wirecheck")
    if command is None:
        raise RuntimeError("docs hook: no `wirecheck` command installed beside this interpreter")
    done = subprocess.run([command, *args.split(), "--help"], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "COLUMNS": "100"})
    if done.returncode != 0:
        raise RuntimeError(f"docs hook: wirecheck {args} --help exited {done.returncode}: {done.stderr}")
    return "```text\n" + done.stdout.rstrip() + "\n```"


RENDERERS = {"properties": lambda args: properties(), "options": lambda args: options(),
             "json-schema": lambda args: json_schema(), "cli-help": cli_help}


def on_page_markdown(markdown: str, **kwargs: object) -> str:
    def render(marker: re.Match[str]) -> str:
        if marker["name"] not in RENDERERS:
            raise RuntimeError(f"docs hook: unknown generated block {marker['name']!r}")
        return RENDERERS[marker["name"]](marker["args"] or "")
    return MARKER.sub(render, markdown)
