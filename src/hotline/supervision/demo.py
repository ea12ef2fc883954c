"""Demo supervision: a month of it, made by the supervision services at the demo's clock.

1. The sweep runs once a day over the last 30 days, as the worker would have: overdue items
   are supervised where the profile says so, and reminder notices go out and escalate.
2. The units answer: one notice acknowledged, another with a reason reported (which stops its
   chain); the unit of an order by trigger explains and the supervisor closes it.
3. A supervisor opens orders by hand (one explained and closed, one left open) and issues a
   public notice naming the unit whose order was closed.

Idempotent: nothing happens when the demo already has orders or reminders.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import timezone

from hotline.accounts.models import User
from hotline.core.errors import DomainError
from hotline.directory.models import Unit
from hotline.supervision import services as svc
from hotline.supervision.models import Form, Ground, OrderState, Reminder, SupervisionOrder
from hotline.supervision.sweep import supervision_sweep
from hotline.tickets.models import Assignment, Ticket

if TYPE_CHECKING:
    from hotline.core.demo import DemoOptions

#: The accountability case a demo notice rests on, per profile (V5, W3).
GROUNDS = {"tianjin": Ground.TJ31_2, "shanghai": Ground.SH26, "qilihe": Ground.QLH53}


def _clerk(unit: Unit | None) -> User | None:
    """Return a handler of ``unit`` who may answer for it."""
    if unit is None:
        return None
    return (
        User.objects.filter(unit=unit, role_rows__role="unit_handler", is_active=True)
        .order_by("id")
        .first()
    )


def _morning(day: datetime) -> datetime:
    return timezone.localtime(day).replace(hour=10, minute=0, second=0, microsecond=0)


def _hand_candidates(since: datetime) -> list[Ticket]:
    """Tickets still with a unit, without any order, registered in the month."""
    leads = Assignment.objects.filter(role="lead", active=True).values("ticket_id")
    return list(
        Ticket.objects.filter(
            pk__in=leads,
            registered_at__gte=since,
            state__in=("signed", "in_progress", "replied", "called_back"),
        )
        .exclude(supervision_orders__isnull=False)
        .order_by("registered_at", "id")[:2]
    )


def supervision_demo_load(*, now: datetime) -> dict[str, int]:
    """Run a month of supervision up to ``now``; return what was made."""
    if SupervisionOrder.objects.exists() or Reminder.objects.exists():
        return {}
    boss = User.objects.filter(username="supervisor").first()
    if boss is None or not Ticket.objects.exists():
        return {}
    start = _morning(now - timedelta(days=30))
    # The units answer the first two notices the same day, before the next sweep: the
    # first is acknowledged (the chain goes on), the second gets a reason (its chain stops).
    answers = ["acknowledge", "reason"]
    answered = 0
    for day in range(31):
        moment = start + timedelta(days=day)
        if moment >= now:
            break
        supervision_sweep(now=moment)
        fresh = Reminder.objects.filter(issued_at=moment).select_related("unit")
        for reminder in fresh.order_by("id"):
            clerk = _clerk(reminder.unit)
            if not answers or clerk is None:
                break
            when = min(moment + timedelta(hours=3), now)
            if answers.pop(0) == "acknowledge":
                svc.reminder_acknowledge(actor=clerk, reminder=reminder, now=when)
            else:
                svc.reminder_reason(
                    actor=clerk,
                    reminder=reminder,
                    reason="需会同区城管执法局联合现场核查，已约定下周二勘查。",
                    now=when,
                )
            answered += 1
    reminders = Reminder.objects.count()

    closed_units: list[Unit] = []

    def explain_and_close(order: SupervisionOrder, opened: datetime) -> None:
        clerk = _clerk(order.unit)
        if clerk is None:
            return
        svc.order_explain(
            actor=clerk,
            order=order,
            content="已安排专人现场处理并电话回复诉求人，整改情况见附件。",
            now=min(opened + timedelta(days=2), now),
        )
        svc.order_close(
            actor=boss,
            order=order,
            finding="单位书面说明属实，已整改到位。",
            now=min(opened + timedelta(days=3), now),
        )
        if order.unit is not None:
            closed_units.append(order.unit)

    by_trigger = SupervisionOrder.objects.exclude(trigger="manual").order_by("opened_at", "id")
    first_triggered = by_trigger.filter(state=OrderState.OPEN).first()
    if first_triggered is not None:
        explain_and_close(first_triggered, first_triggered.opened_at)

    hand = 0
    for ticket, form, reason in zip(
        _hand_candidates(start),
        (Form.ON_SITE, Form.PHONE),
        ("市领导批示事项：请承办单位现场核查并书面报告。", "诉求人仍不满意且仍有处置空间。"),
        strict=False,
    ):
        opened_at = min(
            max(_morning(now - timedelta(days=12)), ticket.registered_at + timedelta(hours=2)),
            now - timedelta(hours=1),
        )
        try:
            order = svc.order_open(
                actor=boss, ticket=ticket, form=form, reason=reason, now=opened_at
            )
        except DomainError:
            continue
        hand += 1
        if hand == 1:
            explain_and_close(order, opened_at)

    notices = 0
    if closed_units:
        key = next((k for k in GROUNDS if settings.HOTLINE_PROFILE.startswith(k)), "")
        svc.notice_issue(
            actor=boss,
            unit_codes=[closed_units[0].code],
            period_start=timezone.localtime(start).date(),
            period_end=timezone.localtime(now).date(),
            ground=GROUNDS.get(key, Ground.TJ31_2),
            text=f"{closed_units[0].name}承办事项经督办方办结，予以通报，并在考核中扣分。",
            now=min(_morning(now - timedelta(days=1)), now),
        )
        notices = 1
    return {
        "orders": SupervisionOrder.objects.count(),
        "by_hand": hand,
        "closed": SupervisionOrder.objects.filter(state=OrderState.CLOSED).count(),
        "reminders": reminders,
        "answered": answered,
        "notices": notices,
    }


def supervision_demo(options: DemoOptions) -> list[str]:
    """The supervision's demo loader (``SupervisionConfig.demo_loader``)."""
    made: dict[str, Any] = supervision_demo_load(now=options.now)
    if not made:
        return [f"Supervision: {SupervisionOrder.objects.count()} orders (kept)."]
    return [
        f"Supervision: {made['orders']} orders ({made['by_hand']} by hand, {made['closed']} "
        f"closed), {made['reminders']} reminder notices ({made['answered']} answered), "
        f"{made['notices']} public notice."
    ]
