"""The demo data as a whole: ``hotline demo-data`` calls ``demo_data_load``.

Each app offers its own loader on its ``AppConfig`` and core runs them, knowing none:

    class TicketsConfig(AppConfig):
        demo_loader = "hotline.tickets.demo.tickets_demo"  # (options: DemoOptions) -> lines
        demo_after = ("accounts", "citizens", "directory")  # app labels loaded before it
        demo_notice = "hotline.accounts.demo.demo_logins_text"  # optional: () -> text

Loaders run in dependency order (``demo_after``), ties broken by ``INSTALLED_APPS``; each is
idempotent and returns its summary lines. ``demo_notice`` functions return text printed after
loading and by ``hotline up`` (the demo logins).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.apps import AppConfig, apps
from django.utils import timezone
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class DemoOptions:
    """What ``hotline demo-data`` asks of every loader: one clock for all, and sizes."""

    now: datetime
    tickets: int = 300


@dataclass(frozen=True)
class DemoLoader:
    app: str
    load: Callable[[DemoOptions], list[str]]
    after: tuple[str, ...]


def demo_loaders() -> list[DemoLoader]:
    """Return the apps' demo loaders in dependency order (ties: ``INSTALLED_APPS`` order).

    Raises ``ValueError`` for a dependency on an app without a loader, or a cycle.
    """
    configs: list[AppConfig] = [
        c for c in apps.get_app_configs() if getattr(c, "demo_loader", None)
    ]
    pending = {
        c.label: DemoLoader(
            app=c.label,
            load=import_string(c.demo_loader),  # type: ignore[attr-defined]
            after=tuple(getattr(c, "demo_after", ())),
        )
        for c in configs
    }
    for loader in pending.values():
        unknown = set(loader.after) - set(pending)
        if unknown:
            raise ValueError(f"demo loader {loader.app!r} waits for {sorted(unknown)}: no loader")
    order = [c.label for c in configs]
    done: list[DemoLoader] = []
    while pending:
        ready = [
            label
            for label in order
            if label in pending and all(dep not in pending for dep in pending[label].after)
        ]
        if not ready:
            raise ValueError(f"demo loaders wait for each other: {sorted(pending)}")
        done.append(pending.pop(ready[0]))
    return done


def demo_data_load(*, tickets: int = 300, now: datetime | None = None) -> list[str]:
    """Run every app's demo loader in order (each idempotent); return their summary lines."""
    options = DemoOptions(now=now or timezone.now(), tickets=tickets)
    lines: list[str] = []
    for loader in demo_loaders():
        lines.extend(loader.load(options))
    return lines


def demo_notices_text() -> str:
    """Return what the apps want said after loading (e.g. the demo logins), one block each."""
    texts = [
        import_string(c.demo_notice)()  # type: ignore[attr-defined]
        for c in apps.get_app_configs()
        if getattr(c, "demo_notice", None)
    ]
    return "\n".join(text for text in texts if text)
