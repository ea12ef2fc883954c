"""The worker runs the supervision sweep every five minutes."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from hotline.supervision.sweep import supervision_sweep


@db_periodic_task(crontab(minute="*/5"))  # type: ignore[untyped-decorator]
def sweep_supervision() -> None:
    """Every five minutes: overdue items supervised, reminder notices issued and escalated."""
    supervision_sweep()
