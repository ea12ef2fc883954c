"""The worker sends the rectification reminders every morning (EVAL-4)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from hotline.evaluation.services import rectification_remind


@db_periodic_task(crontab(minute="30", hour="8"))  # type: ignore[untyped-decorator]
def remind_rectifications() -> None:
    """At 08:30 each day: owners of items due by the next working day, supervisors of overdue
    ones."""
    rectification_remind()
