"""The worker draws the callback sample and queues supervised tickets every hour."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from hotline.callbacks.services import callbacks_sweep


@db_periodic_task(crontab(minute="17"))  # type: ignore[untyped-decorator]
def sweep_callbacks() -> None:
    """Every hour: the month's sample drawn among the tickets completed since the last run
    (A14), and supervised tickets with a result queued for their callback (SH 第十三条)."""
    callbacks_sweep()
