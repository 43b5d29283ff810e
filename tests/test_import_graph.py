"""No import circles among Qudao's modules (imports at module level); an import inside a
function breaks a real cycle or defers a heavy or optional library, with a comment saying
which; starting Django loads no engine."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import qudao


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _graph() -> dict[str, set[str]]:
    root = Path(qudao.__file__).parent
    modules = {_module_name(p, root): p for p in root.rglob("*.py") if "migrations" not in p.parts}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        edges: set[str] = set()
        for node in ast.parse(path.read_text(encoding="utf-8")).body:  # module level only
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            edges |= {t for t in targets if t in modules and t != name}
        graph[name] = edges
    return graph


def test_no_import_circles() -> None:
    graph = _graph()
    assert sum(len(edges) for edges in graph.values()) > 100  # the graph is really read
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append([*path[path.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for start in sorted(graph):
        if start not in state:
            visit(start, [start])
    assert cycles == []


def _function_imports() -> list[tuple[str, int, bool]]:
    """(module, line, justified) of every import inside a function. An import is justified
    by a comment on its line, or on the first line of its block of imports, or above it;
    ``AppConfig.ready()`` is Django's place for start-up imports and needs none."""
    root = Path(qudao.__file__).parent
    found = []
    for path in root.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        lines = path.read_text(encoding="utf-8").splitlines()
        for function in ast.walk(ast.parse("\n".join(lines))):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            if function.name == "ready" and path.name == "apps.py":
                continue
            body = [n for n in ast.walk(function) if isinstance(n, ast.Import | ast.ImportFrom)]
            for node in body:
                first = node.lineno
                while first > 1 and lines[first - 2].strip().startswith(("from ", "import ")):
                    first -= 1  # the start of the block
                justified = (
                    "#" in lines[node.lineno - 1]
                    or "#" in lines[first - 1]
                    or lines[first - 2].strip().startswith("#")
                )
                found.append((str(path.relative_to(root)), node.lineno, justified))
    return found


def test_every_import_inside_a_function_says_why() -> None:
    imports = _function_imports()
    assert len(imports) > 10  # the walk really finds them
    assert [(module, line) for module, line, justified in imports if not justified] == []


def test_starting_django_loads_no_engine() -> None:
    """Commands and web workers start without Ibis, DuckDB or Spark: those load with the
    first review or import (1.6 s of imports, paid only by who needs them)."""
    probe = (
        "import django, sys; django.setup(); "
        "print(sorted(m for m in ('ibis', 'duckdb', 'pyspark', 'qudao.analytics.engine') "
        "if m in sys.modules))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "qudao.settings"}
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=True
    )
    assert out.stdout.strip() == "[]"
