"""The worker catches up the rollups with new supervision orders and reminders."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from hotline.stats.rollup import stats_catch_up


@db_periodic_task(crontab(minute="*/5"))  # type: ignore[untyped-decorator]
def catch_up_stats() -> None:
    """Every five minutes: tickets with new supervision orders or reminders recomputed."""
    stats_catch_up()


@db_periodic_task(crontab(minute="15", hour="*/6"))  # type: ignore[untyped-decorator]
def detect_hot_topics() -> None:
    """Four times a day: hot-topic alerts to the supervisors (STATS-3)."""
    from hotline.stats.alerts import hot_topics_detect

    hot_topics_detect()


@db_periodic_task(crontab(minute="30", hour="17"))  # type: ignore[untyped-decorator]
def generate_reports() -> None:
    """Daily at 17:30 UTC (01:30 Asia/Shanghai; Huey's crontab runs in UTC): the periodic
    reports that fell due, stored for download (STATS-2)."""
    from hotline.stats.archive import reports_generate_due

    reports_generate_due()
