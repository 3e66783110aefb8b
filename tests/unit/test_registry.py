"""The registry of the article's servers agrees with docs/article/servers.md and with the servers' own files."""

import ast
import sys
from pathlib import Path

import pytest

from wirecheck.article._registry import SERVERS, markdown_table

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "article" / "servers.md"


def test_the_article_servers_page_table_is_the_registry():
    assert markdown_table() in PAGE.read_text(), (
        f"{PAGE.relative_to(ROOT)}'s table under 'The servers by hand' differs from the article's registry; "
        "paste this:\n"
        + markdown_table())


@pytest.mark.parametrize("server", SERVERS, ids=lambda s: s.name)
def test_each_server_file_stands_alone_with_the_standard_library(server):
    tree = ast.parse(server.path.read_text())
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module or "." for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported <= sys.stdlib_module_names, f"{server.path} imports {sorted(imported - sys.stdlib_module_names)}"


@pytest.mark.parametrize("server", SERVERS, ids=lambda s: s.name)
def test_each_server_file_header_names_its_step_base_and_change(server):
    base = f"diff it with {server.base}.py." if server.base else "the first server, nothing to diff it with."
    header = server.path.read_text().split('"""', 1)[0]
    assert f"# {server.name}.py, article {server.step}: {base}\n# {server.change}\n" in header, header


@pytest.mark.parametrize("server", SERVERS, ids=lambda s: s.name)
def test_each_server_file_defaults_are_the_registry(server):
    text = server.path.read_text()
    assert f"\nDEFAULT_DELAY = {server.delay:g} " in text and f"\nDEFAULT_BACKLOG = {server.backlog}\n" in text
