"""wirecheck/ is in layers, and no module imports a layer above its own; the analysis never imports pytest.

The order, lowest first, is LAYERS; the top-level private modules (`_option_names`, `_extras`, `_phases`) are the
base every layer may use, and `_cli`/`__main__` sit on top. Within a layer, modules import each other freely.
"""

import ast
from functools import cache
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "wirecheck"
BASE = "base"
LAYERS = [BASE, "model", "capture", "checks", "render", "server", "clients", "tshark", "contract", "article", "plugin",
          "cli"]
ANALYSIS = {"model", "capture", "checks", "render", "server", "clients", "tshark"}  # no pytest: any program may use it


def layer_of(module: str) -> str:
    """`wirecheck.model._flows` -> "model"; the top-level modules are the base, but the command line; the package
    itself, which names the public API from every layer (loaded on first use), is "public"."""
    parts = module.split(".")
    if len(parts) == 1:
        return "public"
    if len(parts) > 2 or parts[1] in LAYERS:
        return parts[1]
    return "cli" if parts[1] in ("_cli", "__main__") else BASE if parts[1].startswith("_") else "public"


@cache  # every test reads the same tree: parse it once
def imports() -> list[tuple[str, str, str]]:
    """(importing module, imported module, line) for every import in the package's code."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE.parent).with_suffix("")
        module = ".".join(relative.parts).removesuffix(".__init__")
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [f"{node.module}.{alias.name}" for alias in node.names]
                found += [(module, name if _is_module(name) else node.module, node.module) for name in names]
            elif isinstance(node, ast.Import):
                found += [(module, alias.name, alias.name) for alias in node.names]
    return found


def _is_module(dotted: str) -> bool:
    return (PACKAGE.parent / f"{dotted.replace('.', '/')}.py").exists()


def upward(edges: list[tuple[str, str, str]]) -> list[str]:
    return [f"{source} imports {target} ({layer_of(source)} -> {layer_of(target)})"
            for source, target, _ in edges
            if target.startswith("wirecheck.") and layer_of(source) in LAYERS and layer_of(target) in LAYERS
            and LAYERS.index(layer_of(target)) > LAYERS.index(layer_of(source))]


def test_no_module_imports_a_layer_above_its_own():
    assert upward(imports()) == []


def test_an_upward_import_is_seen():
    assert upward([("wirecheck.model._flows", "wirecheck.checks._verdict", "")]) == [
        "wirecheck.model._flows imports wirecheck.checks._verdict (model -> checks)"]


@pytest.mark.parametrize("layer", sorted(ANALYSIS))
def test_the_analysis_never_imports_pytest(layer):
    assert [source for source, target, _ in imports() if layer_of(source) == layer
            and target.split(".")[0] in ("pytest", "_pytest")] == []


def test_every_subpackage_is_a_layer_and_the_top_level_holds_at_most_six_modules():
    assert sorted(path.name for path in PACKAGE.iterdir() if (path / "__init__.py").exists()) == sorted(LAYERS[1:-1])
    assert len(list(PACKAGE.glob("*.py"))) <= 6
