"""The supervision sweep: the worker runs it every five minutes, ``hotline supervision-sweep``
runs it once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from hotline.supervision.services import overdue_orders_open, reminders_issue


@dataclass(frozen=True)
class SupervisionSweep:
    orders_opened: int
    reminders_issued: int
    escalated: int


def supervision_sweep(*, now: datetime | None = None) -> SupervisionSweep:
    """Open the orders for overdue items (where the profile says so), then run the reminder
    chains; return the counts."""
    at = now or timezone.now()
    opened = overdue_orders_open(now=at)
    result = reminders_issue(now=at)
    return SupervisionSweep(opened, result.issued, result.escalated)
