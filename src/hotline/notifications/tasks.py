"""The worker delivers the outbox every minute."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from hotline.notifications.services import outbox_deliver


@db_periodic_task(crontab(minute="*"))  # type: ignore[untyped-decorator]
def outbox_deliver_due() -> None:
    """Every minute: deliver what the outbox holds (retries included)."""
    outbox_deliver()
