"""What a reader may see of supervision: only what concerns tickets visible to them.

Centre staff see every order, reminder and notice; unit staff see those of the tickets their
unit may see (``tickets.access.tickets_visible_to``) and the notices naming their unit.
Anything else is reported exactly like a missing row.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from hotline.core.errors import NotFound
from hotline.supervision.models import Notice, Reminder, SupervisionOrder
from hotline.tickets.access import tickets_visible_to


def orders_visible_to(user: Any) -> QuerySet[SupervisionOrder]:
    """Return the supervision orders ``user`` may see."""
    orders = SupervisionOrder.objects.select_related("ticket", "unit")
    if user.is_centre_staff:
        return orders
    return orders.filter(ticket__in=tickets_visible_to(user))


def order_get_for_user(user: Any, order_id: int) -> SupervisionOrder:
    """Return order ``order_id`` if ``user`` may see it; otherwise raise ``NotFound``."""
    order = orders_visible_to(user).filter(pk=order_id).first()
    if order is None:
        raise NotFound("督办单不存在或您无权查看。")
    return order


def order_list(
    user: Any, *, ticket: str | None = None, state: str | None = None
) -> QuerySet[SupervisionOrder]:
    """Return the orders ``user`` may see, filtered by ticket number and state."""
    orders = orders_visible_to(user)
    if ticket:
        orders = orders.filter(ticket__number=ticket)
    if state:
        orders = orders.filter(state=state)
    return orders.order_by("-opened_at", "-id")


def reminders_visible_to(user: Any) -> QuerySet[Reminder]:
    """Return the reminder notices ``user`` may see."""
    reminders = Reminder.objects.select_related("ticket", "unit")
    if user.is_centre_staff:
        return reminders
    return reminders.filter(ticket__in=tickets_visible_to(user))


def reminder_get_for_user(user: Any, reminder_id: int) -> Reminder:
    """Return reminder ``reminder_id`` if ``user`` may see it; otherwise raise ``NotFound``."""
    reminder = reminders_visible_to(user).filter(pk=reminder_id).first()
    if reminder is None:
        raise NotFound("催办通知书不存在或您无权查看。")
    return reminder


def reminder_list(user: Any, *, ticket: str | None = None) -> QuerySet[Reminder]:
    """Return the reminders ``user`` may see, newest first, optionally of one ticket."""
    reminders = reminders_visible_to(user)
    if ticket:
        reminders = reminders.filter(ticket__number=ticket)
    return reminders.order_by("-issued_at", "-id")


def notices_visible_to(user: Any) -> QuerySet[Notice]:
    """Return the notices ``user`` may see: all for the centre, a unit's own otherwise."""
    notices = Notice.objects.prefetch_related("units")
    if user.is_centre_staff:
        return notices
    if user.unit is None:
        return notices.none()
    return notices.filter(units=user.unit).distinct()


def order_row(order: SupervisionOrder) -> dict[str, Any]:
    return {
        "id": order.pk,
        "ticket": order.ticket.number,
        "trigger": order.trigger,
        "form": order.form,
        "owner": order.owner,
        "state": order.state,
        "explanation_due_at": order.explanation_due_at,
    }


def reminder_row(reminder: Reminder) -> dict[str, Any]:
    return {
        "id": reminder.pk,
        "ticket": reminder.ticket.number,
        "sequence": reminder.sequence,
        "unit": reminder.unit.code,
        "issued_at": reminder.issued_at,
        "due_at": reminder.due_at,
        "acknowledged_at": reminder.acknowledged_at,
        "reason": reminder.reason,
        "escalated": reminder.escalated,
    }


def notice_row(notice: Notice) -> dict[str, Any]:
    return {
        "id": notice.pk,
        "units": sorted(u.code for u in notice.units.all()),
        "period_start": notice.period_start,
        "period_end": notice.period_end,
        "ground": notice.ground,
        "text": notice.text,
        "issued_at": notice.issued_at,
    }
