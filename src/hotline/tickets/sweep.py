"""The sweep: deadlines entering warning or overdue get an event, once, published.

The worker runs it every minute. It reads only the two partial indexes on ``Deadline``
(``deadline_warn_pending``, ``deadline_breach_pending``), so with nothing due it scans nothing.
Each batch is claimed, marked and given its events in one transaction (``SKIP LOCKED`` on
PostgreSQL), in which the events' transaction subscribers run (the notifications write their
outbox rows there): several workers never handle a deadline twice, and a worker killed
mid-batch leaves the batch untouched for the next sweep.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from hotline.tickets.events import events_record
from hotline.tickets.models import Deadline, TicketEvent

#: The clocks by their Chinese names, for events and notifications.
CLOCK_LABELS = {
    "dispatch": "派单",
    "deferred_answer": "延后答复",
    "sign_for": "签收",
    "first_contact": "先行联系",
    "return": "退回",
    "reply": "办理答复",
    "extension_request": "延期申请",
    "callback": "回访",
    "assist": "协办意见",
    "event_report": "突发事项口头报告",
    "event_followup": "突发事项书面续报",
    "evaluation": "即时评价",
    "filing": "办结单发回",
    "tell_citizen": "告知诉求人延期",
}


@dataclass(frozen=True)
class SweepResult:
    warned: int
    overdue: int


def _claim(pending: QuerySet[Deadline], order: str, batch: int) -> list[int]:
    if connection.features.has_select_for_update_skip_locked:
        pending = pending.select_for_update(skip_locked=True, of=("self",))
    return list(pending.order_by(order).values_list("id", flat=True)[:batch])


def _handle(ids: list[int], kind: str, at: datetime) -> int:
    rows = list(Deadline.objects.filter(id__in=ids).select_related("ticket"))
    events = []
    for deadline in rows:
        ticket = deadline.ticket
        events.append(
            TicketEvent(
                ticket=ticket,
                at=at,
                action=f"ticket.deadline.{kind}",
                from_state=ticket.state,
                to_state=ticket.state,
                note=f"{CLOCK_LABELS.get(deadline.kind, deadline.kind)}"
                + ("已超时" if kind == "overdue" else "时限即将到期"),
                payload={
                    "deadline": deadline.pk,
                    "kind": deadline.kind,
                    "due_at": deadline.due_at.isoformat() if deadline.due_at else None,
                },
            )
        )
    events_record(events)  # the notifications subscribe (hotline.notifications.subscribers)
    return len(rows)


def deadlines_sweep(
    *,
    now: datetime | None = None,
    batch: int = 1000,
    between_batches: Callable[[], None] | None = None,
) -> SweepResult:
    """Mark what is newly overdue, then what newly needs a warning; return the counts.

    ``between_batches`` is called inside each batch's transaction after its rows are written
    (tests use it to kill a sweep half-way).
    """
    at = now or timezone.now()
    counts = {"overdue": 0, "warning": 0}
    for kind in ("overdue", "warning"):
        while True:
            with transaction.atomic():
                if kind == "overdue":
                    pending = Deadline.objects.filter(
                        met_at__isnull=True, breached_at__isnull=True, due_at__lte=at
                    )
                    ids = _claim(pending, "due_at", batch)
                    if not ids:
                        break
                    handled = _handle(ids, kind, at)
                    # An overdue deadline needs no later warning.
                    Deadline.objects.filter(id__in=ids, warned_at__isnull=True).update(warned_at=at)
                    Deadline.objects.filter(id__in=ids).update(breached_at=at)
                else:
                    pending = Deadline.objects.filter(
                        met_at__isnull=True, warned_at__isnull=True, warn_at__lte=at
                    )
                    ids = _claim(pending, "warn_at", batch)
                    if not ids:
                        break
                    handled = _handle(ids, kind, at)
                    Deadline.objects.filter(id__in=ids).update(warned_at=at)
                counts[kind] += handled
                if between_batches is not None:
                    between_batches()
    return SweepResult(warned=counts["warning"], overdue=counts["overdue"])
