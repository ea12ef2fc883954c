"""What the callback and inspection screens and the API show, and to whom.

The callback queue is the callback agents'; inspections are the inspectors' and the
supervisors' (read). Anyone else is refused (403).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from hotline.callbacks.models import DueCallback, Inspection
from hotline.core.errors import NotFound, PermissionDenied
from hotline.tickets.models import TicketEvent


def may_read_inspections(user: Any) -> bool:
    return bool(user.is_superuser or user.can("ticket.inspect") or user.can("ticket.supervise"))


def inspection_list(user: Any, *, state: str | None = None) -> QuerySet[Inspection]:
    if not may_read_inspections(user):
        raise PermissionDenied("只有质检员和督办人员可以查看质检。")
    found = Inspection.objects.select_related("ticket", "unit", "record")
    if state:
        found = found.filter(state=state)
    return found.order_by("-opened_at", "-id")


def inspection_get_for_user(user: Any, inspection_id: int) -> Inspection:
    try:
        return inspection_list(user).get(pk=inspection_id)
    except Inspection.DoesNotExist:
        raise NotFound("质检记录不存在。") from None


def inspection_row(inspection: Inspection) -> dict[str, Any]:
    return {
        "id": inspection.pk,
        "ticket": inspection.ticket.number,
        "state": inspection.state,
        "opened_at": inspection.opened_at,
    }


def due_row(due: DueCallback) -> dict[str, Any]:
    return {
        "ticket": due.ticket.number,
        "due_at": due.due_at,
        "attempts": due.attempts,
        "reason": due.reason,
    }


def timelines(ticket_ids: list[int]) -> dict[int, list[TicketEvent]]:
    """Return each ticket's timeline, oldest first (one query), for the inspector's review."""
    found: dict[int, list[TicketEvent]] = {}
    events = TicketEvent.objects.filter(ticket_id__in=ticket_ids).select_related("actor")
    for event in events.order_by("at", "id"):
        found.setdefault(event.ticket_id, []).append(event)
    return found
