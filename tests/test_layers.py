"""The floors of docs/architecture.md: an import may point down or sideways, never up.

Every module under ``src/hotline`` is read with ``ast`` (imports inside functions and under
``TYPE_CHECKING`` count too) and placed on a floor: its app's, or the top floor when it is an
*edge* module (pages, API, admin, commands) that presents the app. A new app must be placed in
``FLOORS`` (the test fails until it is).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "hotline"

#: Bottom to top. Apps on one floor may import each other.
FLOORS: list[set[str]] = [
    {"core"},  # building blocks: errors, audit, event channels, demo registry
    {"policy"},  # calendar, SLA arithmetic, profiles
    {"accounts", "directory", "citizens"},
    {"tickets", "knowledge"},
    # The reacting modules: they subscribe to the events below them. Supervision, callbacks,
    # stats, channels, franchise, evaluation and suggest go here.
    {
        "notifications",
        "supervision",
        "callbacks",
        "quality",
        "stats",
        "evaluation",
        "channels",
        "franchise",
        "suggest",
    },
    # Screens, API and wiring.
    {"workbench", "settings", "urls", "api", "cli", "wsgi", "asgi"},
]
TOP = len(FLOORS) - 1

#: Modules that present an app (pages, API, admin, commands): they sit on the top floor.
EDGE_MODULES = {"views", "api", "admin", "urls", "forms", "middleware", "context_processors"}
EDGE_PACKAGES = {"management", "templatetags"}
#: core's gunicorn runner loads the WSGI application: wiring, like the commands.
EDGE_EXTRA = {"hotline.core.server"}

#: The domain apps that ``core`` (edges included) must never import.
DOMAIN_APPS = {"accounts", "directory", "citizens", "tickets", "knowledge", "notifications"}
DOMAIN_APPS |= {"workbench"}

#: Pure Python: no Django, no other app (ARCHITECTURE.md principle 2).
PURE = {
    "hotline.policy.calendar",
    "hotline.policy.sla",
    "hotline.policy.deadline",
    "hotline.policy.profiles",
    "hotline.tickets.transitions",
    "hotline.franchise.rules",
}

#: Pages present what a selector builds; they never go through an API module.
PAGE_MODULES = {"views", "forms"}
#: Known exceptions: none. (The ticket page once rendered through ``tickets.api.ticket_out``;
#: both now present ``tickets.selectors.ticket_view_for``.)
KNOWN_EXCEPTIONS: set[tuple[str, str]] = set()


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(SRC.rglob("*.py")):
        parts = path.relative_to(SRC.parent).with_suffix("").parts
        if "migrations" in parts:
            continue
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _imports(module: str, path: Path) -> set[str]:
    """Return the ``hotline.*`` modules ``module`` imports (anywhere in its body)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names.add(base)
            if base == "hotline":  # ``from hotline import api``: the app is the name
                names.update(f"hotline.{alias.name}" for alias in node.names)
    return {n for n in names if n.startswith("hotline.") and _app(n) is not None}


def _app(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def _is_edge(module: str) -> bool:
    parts = module.split(".")
    return (
        module in EDGE_EXTRA
        or parts[-1] in EDGE_MODULES
        or any(p in EDGE_PACKAGES for p in parts[2:])
    )


def _floor_of_app(app: str) -> int:
    for number, apps in enumerate(FLOORS):
        if app in apps:
            return number
    raise LookupError(app)


def _floor(module: str) -> int:
    app = _app(module)
    assert app is not None
    return TOP if _is_edge(module) else _floor_of_app(app)


def _upward(module: str) -> list[str]:
    """Return what ``module`` imports from a floor above its own."""
    mine = _floor(module)
    found = []
    for target in sorted(_imports(module, MODULES[module])):
        target_app = _app(target)
        assert target_app is not None
        if target_app == _app(module):
            continue
        if _floor_of_app(target_app) > mine:
            found.append(target)
    return found


def test_every_app_has_a_floor():
    apps = {_app(m) for m in MODULES} - {None}
    unplaced = {a for a in apps if not any(a in floor for floor in FLOORS)}
    assert not unplaced, f"place these apps in FLOORS (docs/architecture.md): {unplaced}"


def test_imports_only_point_down():
    violations = {m: up for m in MODULES if _app(m) and (up := _upward(m))}
    assert not violations, "imports pointing up (docs/architecture.md):\n" + "\n".join(
        f"  {m} -> {', '.join(up)}" for m, up in violations.items()
    )


def test_pages_do_not_import_the_api():
    offenders = {
        (m, t)
        for m, p in MODULES.items()
        if m.split(".")[-1] in PAGE_MODULES or "templatetags" in m.split(".")
        for t in _imports(m, p)
        if t.split(".")[-1] == "api" or t == "hotline.api"
    }
    assert offenders <= KNOWN_EXCEPTIONS, sorted(offenders - KNOWN_EXCEPTIONS)


def test_core_imports_no_domain_app():
    offenders = {
        m: sorted(t for t in _imports(m, p) if _app(t) in DOMAIN_APPS)
        for m, p in MODULES.items()
        if _app(m) == "core"
    }
    assert not {m: t for m, t in offenders.items() if t}


def test_policy_imports_nothing_from_the_apps_above_it():
    offenders = {
        m: sorted(t for t in _imports(m, p) if _app(t) not in {"policy", "core"})
        for m, p in MODULES.items()
        if _app(m) == "policy"
    }
    assert not {m: t for m, t in offenders.items() if t}


@pytest.mark.parametrize("module", sorted(PURE))
def test_the_pure_core_imports_no_django(module):
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
    app = module.split(".")[1]
    bad = {
        name
        for name in imported
        if name.split(".")[0] == "django"
        or (name.startswith("hotline.") and not name.startswith(f"hotline.{app}."))
    }
    assert not bad


def test_the_check_catches_an_upward_import(tmp_path):
    """The test itself: a policy module importing tickets is reported."""
    module = "hotline.policy.example"
    path = tmp_path / "example.py"
    path.write_text("def f():\n    from hotline.tickets.services import ticket_close\n")
    MODULES[module] = path
    try:
        assert "hotline.tickets.services" in _upward(module)
    finally:
        del MODULES[module]
