"""Rules of the package's shape, checked over its source (AST): no import cycles, SQL quoting in one
module (woonsignaal.sqltext)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "woonsignaal"


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _trees() -> dict[str, tuple[Path, ast.Module]]:
    return {m: (p, ast.parse(p.read_text(encoding="utf-8"), str(p))) for m, p in _modules().items()}


def import_graph() -> dict[str, set[str]]:
    """module -> the package modules it imports anywhere in its text (also inside functions: an import
    deferred to call time is still a dependency). ``from pkg import sub`` depends on ``pkg.sub``; the
    package ``pkg`` itself only when a name that is not a submodule is imported from it."""
    trees = _trees()
    graph: dict[str, set[str]] = {m: set() for m in trees}
    for module, (_, tree) in trees.items():
        for node in ast.walk(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                subs = [f"{node.module}.{a.name}" for a in node.names if f"{node.module}.{a.name}" in trees]
                targets = subs + ([node.module] if len(subs) < len(node.names) else [])
            graph[module].update(t for t in targets if t in trees and t != module)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_package_has_no_import_cycles():
    assert cycles(import_graph()) == []


def test_the_cycle_check_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


@pytest.mark.parametrize("module", ["woonsignaal.ingest.parse", "woonsignaal.ingest.verify"])
def test_ingest_modules_import_alone(module):
    """Each imports on its own in a fresh interpreter (no half-initialised partner module)."""
    subprocess.run([sys.executable, "-c", f"import {module}"], check=True, timeout=120)


def _quote_doubling_calls(tree: ast.Module) -> list[int]:
    """Lines of ``x.replace("'", "''")`` and ``x.replace('"', '""')``: hand-written SQL quoting."""
    lines = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "replace"
            and len(node.args) == 2
            and all(isinstance(a, ast.Constant) for a in node.args)
            and (node.args[0].value, node.args[1].value) in {("'", "''"), ('"', '""')}
        ):
            lines.append(node.lineno)
    return lines


def test_sql_quoting_is_written_only_in_sqltext():
    offenders = {
        str(path.relative_to(SRC)): lines
        for module, (path, tree) in _trees().items()
        if module != "woonsignaal.sqltext" and (lines := _quote_doubling_calls(tree))
    }
    assert offenders == {}, f"quote with woonsignaal.sqltext instead: {offenders}"
    assert _quote_doubling_calls(ast.parse("q = '\"' + n.replace('\"', '\"\"') + '\"'")) == [1]


# --- configuration: only woonsignaal.settings reads the environment -----------------------------------
DAGS = SRC.parent / "dags"


def _environ_uses(tree: ast.Module) -> list[int]:
    """Lines that touch the process environment: ``os.environ``, ``os.getenv``, ``os.putenv``,
    ``os.unsetenv`` and ``from os import environ/getenv``."""
    names = {"environ", "getenv", "putenv", "unsetenv", "environb"}
    lines = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in names
            and isinstance(node.value, ast.Name)
            and node.value.id == "os"
        ):
            lines.append(node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.module == "os" and any(a.name in names for a in node.names):
            lines.append(node.lineno)
    return sorted(lines)


def test_only_settings_reads_the_environment():
    """Configuration goes through woonsignaal.settings (get_settings, Settings.child_environment)."""
    offenders = {}
    for path in sorted([*PACKAGE.rglob("*.py"), *DAGS.rglob("*.py")]):
        rel = str(path.relative_to(SRC if path.is_relative_to(SRC) else SRC.parent))
        if rel == "woonsignaal/settings.py":
            continue
        lines = _environ_uses(ast.parse(path.read_text(encoding="utf-8"), str(path)))
        if lines:
            offenders[rel] = lines
    assert offenders == {}, f"read settings through woonsignaal.settings: {offenders}"
    # the check sees every spelling
    assert _environ_uses(ast.parse("import os\nos.environ['A'] = '1'\nos.getenv('B')\nfrom os import environ")) == [
        2,
        3,
        4,
    ]
