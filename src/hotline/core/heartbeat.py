"""The worker heartbeat: proof on the status page that background work runs."""

from __future__ import annotations

import os
import socket
from datetime import datetime

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from hotline.core.models import WorkerHeartbeat


def worker_name() -> str:
    """Return this worker's name: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"


def heartbeat_record(*, worker: str | None = None, now: datetime | None = None) -> WorkerHeartbeat:
    """Record one heartbeat for ``worker`` (created on its first beat) and return the row."""
    now = now or timezone.now()
    name = worker or worker_name()
    updated = WorkerHeartbeat.objects.filter(worker=name).update(beat_at=now, beats=F("beats") + 1)
    if not updated:
        WorkerHeartbeat.objects.get_or_create(
            worker=name, defaults={"beat_at": now, "started_at": now, "beats": 1}
        )
    return WorkerHeartbeat.objects.get(worker=name)


def heartbeat_latest() -> WorkerHeartbeat | None:
    """Return the most recent heartbeat of any worker, or None if no worker ever ran."""
    return WorkerHeartbeat.objects.order_by("-beat_at").first()


def heartbeat_is_fresh(beat: WorkerHeartbeat | None, *, now: datetime | None = None) -> bool:
    """Return True when ``beat`` is recent enough to say the worker is running."""
    if beat is None:
        return False
    now = now or timezone.now()
    return now - beat.beat_at <= settings.HOTLINE_HEARTBEAT_STALE_AFTER
