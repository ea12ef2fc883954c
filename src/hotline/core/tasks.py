"""Periodic background tasks of the core app."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task

from hotline.core.heartbeat import heartbeat_record
from hotline.core.uploads import upload_temp_sweep


@db_periodic_task(crontab(minute="*"))  # type: ignore[untyped-decorator]
def heartbeat() -> None:
    """Every minute: record that this worker is alive (shown on the status page)."""
    heartbeat_record()


@db_periodic_task(crontab(minute="*/15"))  # type: ignore[untyped-decorator]
def upload_temp_cleanup() -> None:
    """Every quarter hour: remove temporary upload files a crashed request left behind."""
    upload_temp_sweep()


@HUEY.on_startup()  # type: ignore[untyped-decorator]
def heartbeat_on_startup() -> None:
    """Beat once as soon as the worker starts, so the status page need not wait a minute."""
    from django.db import close_old_connections

    close_old_connections()
    heartbeat_record()


@db_task()  # type: ignore[untyped-decorator]
def queue_probe(probe_id: int, sleep: float = 0.0) -> bool:
    """A probe of ``hotline worker-check``: mark the probe done (once)."""
    from hotline.core.probe import probe_run

    return probe_run(probe_id, sleep=sleep)
