"""The kernel knows no domain: ``core`` imports none of the apps built on it. (The custom
``User``'s two foreign keys name ``partners.Partner`` and ``territories.Region`` by string —
the one documented exception, and not an import.)"""

from __future__ import annotations

import ast
from pathlib import Path

import qudao.core

DOMAIN = ("analytics", "catalog", "demo", "facts", "governance", "partners", "territories")


def test_core_imports_no_domain_app() -> None:
    package = Path(qudao.core.__file__).parent
    found = []
    for path in sorted(package.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                if any(
                    name == f"qudao.{app}" or name.startswith(f"qudao.{app}.") for app in DOMAIN
                ):
                    found.append(f"{path.relative_to(package)}:{node.lineno} {name}")
    assert found == []
