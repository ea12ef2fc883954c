"""Probing the task queue end to end (``hotline worker-check``).

``probe_start`` writes N probe rows and queues one task per row; each task marks its row done
with one conditional update (``done_at IS NULL``), so its effect happens once however often it
runs. ``probe_redo`` queues again the probes still undone after a while: a task that a worker
had taken off the queue when it was killed (``kill -9``) is lost by the queue (Huey pops a
message, it has no acknowledgement) and found again here, the way the outbox and the sweeps
re-derive the platform's own background work from the database.
"""

from __future__ import annotations

import secrets
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from hotline.core.heartbeat import worker_name
from hotline.core.models import QueueProbe


def probe_start(count: int, *, sleep: float = 0.0) -> str:
    """Write ``count`` probes and queue their tasks; return the probe token."""
    from hotline.core.tasks import queue_probe

    token = secrets.token_hex(8)
    with transaction.atomic():
        probes = QueueProbe.objects.bulk_create(
            [QueueProbe(token=token, seq=n) for n in range(count)]
        )
    for probe in probes:
        queue_probe(probe.pk, sleep)
    return token


def probe_run(probe_id: int, *, sleep: float = 0.0) -> bool:
    """The task's work: wait ``sleep`` seconds (a slow job), then mark the probe done once."""
    if sleep:
        time.sleep(sleep)
    updated = QueueProbe.objects.filter(pk=probe_id, done_at__isnull=True).update(
        done_at=timezone.now(), worker=worker_name(), runs=F("runs") + 1
    )
    return bool(updated)


def probe_redo(token: str, *, older_than: float, sleep: float = 0.0) -> int:
    """Queue again the probes of ``token`` still undone ``older_than`` seconds after they were
    last queued; return how many."""
    from hotline.core.tasks import queue_probe

    cutoff = timezone.now() - timedelta(seconds=older_than)
    undone = list(
        QueueProbe.objects.filter(token=token, done_at__isnull=True, created_at__lt=cutoff)
    )
    for probe in undone:
        QueueProbe.objects.filter(pk=probe.pk).update(
            queued=F("queued") + 1, created_at=timezone.now()
        )
        queue_probe(probe.pk, sleep)
    return len(undone)


@dataclass
class ProbeStatus:
    token: str
    tasks: int
    done: int
    counted_twice: int
    workers: dict[str, int] = field(default_factory=dict)
    requeued: int = 0

    @property
    def complete(self) -> bool:
        return self.done == self.tasks and self.counted_twice == 0


def probe_status(token: str) -> ProbeStatus:
    rows = list(
        QueueProbe.objects.filter(token=token).values("done_at", "worker", "runs", "queued")
    )
    done = [r for r in rows if r["done_at"] is not None]
    return ProbeStatus(
        token=token,
        tasks=len(rows),
        done=len(done),
        counted_twice=sum(1 for r in rows if r["runs"] > 1),
        workers=dict(Counter(r["worker"] for r in done)),
        requeued=sum(r["queued"] - 1 for r in rows),
    )
