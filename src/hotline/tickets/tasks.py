"""The worker sweeps the deadlines every minute."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from hotline.tickets.sweep import deadlines_sweep


@db_periodic_task(crontab(minute="*"))  # type: ignore[untyped-decorator]
def sweep_deadlines() -> None:
    """Every minute: deadlines entering warning or overdue get their event and notification."""
    deadlines_sweep()
