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
from typing import Any

from django.db import connection, transaction
from django.db.models import QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from hotline.tickets.events import events_record
from hotline.tickets.models import Deadline, Ticket, TicketEvent

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


#: What the sweep reads of each claimed deadline (no model instance per row).
_ROW = ("id", "ticket_id", "kind", "due_at")


def _claim(pending: QuerySet[Deadline], order: str, batch: int) -> list[tuple[Any, ...]]:
    """Claim up to ``batch`` pending deadlines and read what their events need, in one query."""
    if connection.features.has_select_for_update_skip_locked:
        pending = pending.select_for_update(skip_locked=True, of=("self",))
    return list(pending.order_by(order, "id").values_list(*_ROW)[:batch])


def _handle(rows: list[tuple[Any, ...]], kind: str, at: datetime) -> int:
    """Record and publish one event per claimed deadline; each ticket is read once."""
    tickets = Ticket.objects.in_bulk({row[1] for row in rows})
    label = "已超时" if kind == "overdue" else "时限即将到期"
    action = f"ticket.deadline.{kind}"
    events = []
    for deadline_id, ticket_id, clock, due_at in rows:
        ticket = tickets[ticket_id]
        events.append(
            TicketEvent(
                ticket=ticket,
                at=at,
                action=action,
                from_state=ticket.state,
                to_state=ticket.state,
                note=f"{CLOCK_LABELS.get(clock, clock)}{label}",
                payload={
                    "deadline": deadline_id,
                    "kind": clock,
                    "due_at": due_at.isoformat() if due_at else None,
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
                    rows = _claim(pending, "due_at", batch)
                    if not rows:
                        break
                    handled = _handle(rows, kind, at)
                    # One update: breached, and warned now unless warned before (an overdue
                    # deadline needs no later warning).
                    Deadline.objects.filter(id__in=[row[0] for row in rows]).update(
                        breached_at=at, warned_at=Coalesce("warned_at", Value(at))
                    )
                else:
                    pending = Deadline.objects.filter(
                        met_at__isnull=True, warned_at__isnull=True, warn_at__lte=at
                    )
                    rows = _claim(pending, "warn_at", batch)
                    if not rows:
                        break
                    handled = _handle(rows, kind, at)
                    Deadline.objects.filter(id__in=[row[0] for row in rows]).update(warned_at=at)
                counts[kind] += handled
                if between_batches is not None:
                    between_batches()
    return SweepResult(warned=counts["warning"], overdue=counts["overdue"])
