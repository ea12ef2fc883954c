"""The worker catches up the rollups with new supervision orders and reminders."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from hotline.stats.rollup import stats_catch_up


@db_periodic_task(crontab(minute="*/5"))  # type: ignore[untyped-decorator]
def catch_up_stats() -> None:
    """Every five minutes: tickets with new supervision orders or reminders recomputed."""
    stats_catch_up()
