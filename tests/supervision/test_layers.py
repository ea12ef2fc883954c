"""Supervision sits above tickets: no ticket module imports it (STYLE.md §1, "Events decouple")."""

from __future__ import annotations

import ast
from pathlib import Path

import hotline.tickets

ABOVE_TICKETS = ("hotline.supervision",)


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_tickets_never_import_supervision():
    root = Path(hotline.tickets.__file__).parent
    offenders = {
        str(path.relative_to(root)): sorted(
            n for n in _imports(path) if n.startswith(ABOVE_TICKETS)
        )
        for path in root.rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}
