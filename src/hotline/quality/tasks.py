"""The worker draws last month's agent-quality sample on the 1st of each month (STATS-5)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from hotline.quality.services import sample_draw


@db_periodic_task(crontab(day="1", hour="2", minute="15"))  # type: ignore[untyped-decorator]
def draw_quality_sample() -> None:
    """On the 1st, 02:15: draw the month just ended with its default seed (``YYYYMM``)."""
    last = timezone.localdate().replace(day=1) - timedelta(days=1)
    sample_draw(month=last.replace(day=1))
