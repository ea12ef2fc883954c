"""Supervision actions: one transaction each (SUPERVISE-1…4, readings V1–V5, W2, W3, A16).

- ``order_open`` (a supervisor, by hand) and ``order_open_by_trigger`` (the profile's
  triggers); ``order_explain`` (the supervised unit); ``order_close`` (the owner's side: the
  centre's supervisors).
- ``reminders_issue(now)``: the periodic reminder chain 催办 → 督查小组 / 通报批评.
- ``reminder_acknowledge`` / ``reminder_reason`` (the unit; a reason stops the chain).
- ``notice_issue`` (a supervisor): a public notice 通报 naming units.
- ``repeat_call_check`` (V1) and ``overdue_orders_open`` (TJ 第二十三条 "every overdue item").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from hotline.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from hotline.directory.models import Unit
from hotline.notifications.services import outbox_put
from hotline.policy.deadline import PolicyInputError, deadline_answer
from hotline.policy.profiles import Profile, load_profile
from hotline.policy.services import calendar_current
from hotline.policy.sla import Limit, compute_due
from hotline.policy.sla import Unit as LimitUnit
from hotline.supervision.models import (
    Form,
    Ground,
    Notice,
    OrderEvent,
    OrderState,
    Reminder,
    SupervisionOrder,
    Trigger,
)
from hotline.tickets.models import Assignment, Deadline, ExtensionRequest, Ticket, TicketEvent

#: The profile's trigger code that each order trigger stands for (its owner, W2).
PROFILE_TRIGGER = {
    Trigger.REPEAT_CALL: "dissatisfied_repeat",
    Trigger.OVERDUE: "overdue",
    Trigger.REMINDER_IGNORED: "reminder_ignored",
}
#: Ticket states in which the unit is still handling (a reminder makes sense).
HANDLING_STATES = ("dispatched", "signed", "in_progress")


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _required(text: str, message: str) -> str:
    if not text or not text.strip():
        raise InvalidInput(message)
    return text.strip()


def lead_unit(ticket: Ticket) -> Unit | None:
    """Return the unit of the ticket's (latest) lead assignment, the one supervised."""
    lead = (
        ticket.assignments.filter(role=Assignment.Role.LEAD)
        .select_related("unit")
        .order_by("-active", "-dispatched_at")
        .first()
    )
    return lead.unit if lead is not None else None


def user_acts_for(user: Any, unit: Unit | None) -> bool:
    """Return True when ``user`` is staff of ``unit`` (or, as its administrator, a parent)."""
    if unit is None or user.unit is None or not user.can("ticket.handle"):
        return False
    if user.unit_id == unit.pk:
        return True
    return bool(user.can("unit.subunits") and unit.path.startswith(user.unit.path))


def _owner(profile: Profile, trigger: str) -> str:
    code = PROFILE_TRIGGER.get(Trigger(trigger))
    for t in profile.supervision.triggers:
        if t.code == code:
            # "区级呼叫中心(发出《催办通知书》)" → the body, without the explanation.
            return t.owner.split("(")[0][:100]
    return profile.supervision.owner[:100]


def _explanation_due(profile: Profile, start: datetime) -> tuple[datetime | None, str]:
    """SUPERVISE-3: the unit reports in writing within the profile's working days."""
    sup = profile.supervision
    limit = Limit(LimitUnit.WORKING_DAYS, sup.explanation_working_days, sup.explanation_basis)
    return compute_due(start, limit, calendar_current()).due_at, sup.explanation_basis[:200]


def _order_create(
    *, actor: Any, ticket: Ticket, trigger: str, form: str, reason: str, at: datetime
) -> SupervisionOrder:
    profile = load_profile(ticket.profile)
    due, basis = _explanation_due(profile, at)
    order = SupervisionOrder.objects.create(
        ticket=ticket,
        trigger=trigger,
        form=form,
        owner=_owner(profile, trigger),
        reason=reason,
        unit=lead_unit(ticket),
        explanation_due_at=due,
        explanation_basis=basis,
        opened_at=at,
        opened_by=actor,
    )
    OrderEvent.objects.create(
        order=order, at=at, actor=actor, action="supervision.order.opened", note=reason
    )
    when = f"{timezone.localtime(due):%Y-%m-%d %H:%M}" if due else ""
    outbox_put(
        topic="supervision.order.opened",
        title=f"工单 {ticket.number} 已列入督办，请于 {when} 前书面说明情况",
        unit=order.unit,
        ticket=ticket,
        payload={"order": order.pk},
        at=at,
    )
    return order


def _lock_ticket(ticket: Ticket) -> None:
    Ticket.objects.select_for_update().filter(pk=ticket.pk).values_list("pk", flat=True).first()


def order_open(
    *,
    actor: Any,
    ticket: Ticket,
    form: str,
    reason: str,
    trigger: str = Trigger.MANUAL,
    now: datetime | None = None,
) -> SupervisionOrder:
    """Open a supervision order by hand (SUPERVISE-2, -3); 409 when one is already open."""
    if not actor.can("ticket.supervise"):
        raise PermissionDenied("只有督办人员可以开具督办单。")
    if form not in Form.values:
        raise InvalidInput(f"督办方式“{form}”无效，应为：{'、'.join(Form.values)}。")
    if trigger not in Trigger.values:
        raise InvalidInput(f"督办事由“{trigger}”无效。")
    text = _required(reason, "请填写督办事由。")
    if lead_unit(ticket) is None:
        raise Conflict("该工单尚未派给承办单位，无单位可督办。", code="no_unit")
    at = _now(now)
    try:
        with transaction.atomic():
            _lock_ticket(ticket)
            if SupervisionOrder.objects.filter(ticket=ticket).exclude(state="closed").exists():
                raise Conflict("该工单已有未结束的督办单。", code="order_already_open")
            return _order_create(
                actor=actor, ticket=ticket, trigger=trigger, form=form, reason=text, at=at
            )
    except IntegrityError:
        raise Conflict("该工单已有未结束的督办单。", code="order_already_open") from None


def order_open_by_trigger(
    *, ticket: Ticket, trigger: str, form: str, reason: str, now: datetime | None = None
) -> SupervisionOrder | None:
    """Open an order for a fired trigger; None when the matter already has an open order.

    However many triggers fire, one matter has at most one open order (SUPERVISE-2).
    """
    at = _now(now)
    try:
        with transaction.atomic():
            _lock_ticket(ticket)
            if SupervisionOrder.objects.filter(ticket=ticket).exclude(state="closed").exists():
                return None
            return _order_create(
                actor=None, ticket=ticket, trigger=trigger, form=form, reason=reason, at=at
            )
    except IntegrityError:  # a concurrent trigger won
        return None


def _order_locked(order: SupervisionOrder) -> SupervisionOrder:
    return SupervisionOrder.objects.select_for_update().get(pk=order.pk)


def order_explain(
    *, actor: Any, order: SupervisionOrder, content: str, now: datetime | None = None
) -> SupervisionOrder:
    """The supervised unit reports in writing (SUPERVISE-3)."""
    text = _required(content, "请填写书面说明。")
    if not user_acts_for(actor, order.unit):
        raise PermissionDenied("只有被督办的承办单位可以书面说明。")
    at = _now(now)
    with transaction.atomic():
        order = _order_locked(order)
        if order.state != OrderState.OPEN:
            raise Conflict("督办单不在待说明状态。", code="order_not_open")
        order.state = OrderState.EXPLAINED
        order.explanation = text
        order.explained_at = at
        order.explained_by = actor
        order.save(update_fields=["state", "explanation", "explained_at", "explained_by"])
        OrderEvent.objects.create(
            order=order, at=at, actor=actor, action="supervision.order.explained", note=text
        )
        outbox_put(
            topic="supervision.order.explained",
            title=f"工单 {order.ticket.number} 的督办单已收到书面说明",
            ticket=order.ticket,
            payload={"order": order.pk},
            at=at,
        )
    return order


def order_close(
    *, actor: Any, order: SupervisionOrder, finding: str, now: datetime | None = None
) -> SupervisionOrder:
    """The owner closes the order with a finding (W2: the centre's supervisors act for it)."""
    if not actor.can("ticket.supervise"):
        raise PermissionDenied("只有督办人员可以结束督办。")
    text = _required(finding, "请填写督办结论。")
    at = _now(now)
    with transaction.atomic():
        order = _order_locked(order)
        if order.state == OrderState.CLOSED:
            raise Conflict("督办单已结束。", code="order_closed")
        order.state = OrderState.CLOSED
        order.finding = text
        order.closed_at = at
        order.closed_by = actor
        order.save(update_fields=["state", "finding", "closed_at", "closed_by"])
        OrderEvent.objects.create(
            order=order, at=at, actor=actor, action="supervision.order.closed", note=text
        )
    return order


# ----------------------------------------------------------------------------- triggers


def _dissatisfied(ticket: Ticket) -> bool:
    """Return True when a callback on ``ticket`` found the citizen dissatisfied (A19)."""
    return TicketEvent.objects.filter(
        ticket=ticket, action="ticket.called_back", payload__result="dissatisfied"
    ).exists()


def repeat_calls(ticket: Ticket) -> int:
    """Return how often the same citizen called again about ``ticket`` (later tickets whose
    ``related`` names it)."""
    return (
        ticket.related.filter(citizen_id=ticket.citizen_id, registered_at__gt=ticket.registered_at)
        .distinct()
        .count()
    )


def repeat_call_check(ticket: Ticket, *, now: datetime | None = None) -> SupervisionOrder | None:
    """SUPERVISE-2, V1: a dissatisfied matter the citizen called about again ``min_repeat_calls``
    times or more is supervised; the order goes on the earlier ticket (the matter).

    Looks at ``ticket`` and at the earlier tickets of the same citizen it names. "Room for
    further action" (V1's other branch) is the supervisor's judgement: an order by hand.
    """
    # One read of the citizen's related tickets serves both the earlier matters and the
    # repeat count of ``ticket`` itself (the later ones).
    related = list(ticket.related.filter(citizen_id=ticket.citizen_id))
    earlier = [t for t in related if t.registered_at < ticket.registered_at]
    later = len({t.pk for t in related if t.registered_at > ticket.registered_at})
    candidates = [ticket, *earlier]
    for matter in candidates:
        profile = load_profile(matter.profile)
        rule = next(
            (t for t in profile.supervision.triggers if t.code == "dissatisfied_repeat"), None
        )
        if rule is None or rule.min_repeat_calls is None:
            continue
        count = later if matter is ticket else repeat_calls(matter)
        if count >= rule.min_repeat_calls and _dissatisfied(matter):
            order = order_open_by_trigger(
                ticket=matter,
                trigger=Trigger.REPEAT_CALL,
                form=Form.SECOND_HANDLING,
                reason=f"{rule.text}（不满意，重复来电 {count} 次；{rule.basis}）",
                now=now,
            )
            if order is not None:
                return order
    return None


def _overdue_reply_deadlines(at: datetime) -> Any:
    return (
        Deadline.objects.filter(
            kind="reply",
            met_at__isnull=True,
            due_at__lte=at,
            assignment__isnull=False,
            ticket__state__in=HANDLING_STATES,
        )
        .select_related("ticket", "assignment__unit")
        .order_by("due_at", "id")
    )


def overdue_orders_open(*, now: datetime | None = None) -> int:
    """Open an order for every overdue item where the profile says so (TJ 第二十三条, V3;
    SH 第十二条(一)); return how many were opened."""
    at = _now(now)
    opened = 0
    for deadline in _overdue_reply_deadlines(at):
        ticket = deadline.ticket
        profile = load_profile(ticket.profile)
        rule = next((t for t in profile.supervision.triggers if t.code == "overdue"), None)
        if rule is None:
            continue
        if SupervisionOrder.objects.filter(ticket=ticket).exists():
            continue  # once per matter: a closed order is not reopened by the sweep
        order = order_open_by_trigger(
            ticket=ticket,
            trigger=Trigger.OVERDUE,
            form=Form.WRITTEN,
            reason=f"{rule.text}（{rule.basis}）",
            now=at,
        )
        opened += order is not None
    return opened


# ----------------------------------------------------------------------------- reminders


@dataclass(frozen=True)
class ReminderResult:
    issued: int
    escalated: int


def _reason_reported(deadline: Deadline) -> bool:
    """A16: a reason reported (on a notice, or an explanation) or an extension request
    recorded stops the chain."""
    if Reminder.objects.filter(deadline=deadline).exclude(reason="").exists():
        return True
    if ExtensionRequest.objects.filter(deadline=deadline).exists():
        return True
    return TicketEvent.objects.filter(
        ticket_id=deadline.ticket_id, action="ticket.explained", at__gte=deadline.start_at
    ).exists()


def _reminder_due(ticket: Ticket, start: datetime) -> tuple[datetime | None, str]:
    try:
        answer = deadline_answer(
            profile=ticket.profile,
            clock="reminder",
            category=ticket.category,
            complex=ticket.complex,
            urgent=ticket.urgent,
            start=start,
            calendar=calendar_current(),
        )
    except PolicyInputError:
        return None, ""
    return answer.due_at, answer.basis[:200]


def _issue(deadline: Deadline, unit: Unit, at: datetime) -> Reminder:
    ticket = deadline.ticket
    last = Reminder.objects.filter(ticket=ticket).aggregate(n=Max("sequence"))["n"] or 0
    due, basis = _reminder_due(ticket, at)
    reminder = Reminder.objects.create(
        ticket=ticket,
        deadline=deadline,
        unit=unit,
        sequence=last + 1,
        issued_at=at,
        due_at=due,
        basis=basis,
    )
    when = f"，限 {timezone.localtime(due):%Y-%m-%d %H:%M} 前办理或报告理由" if due else ""
    outbox_put(
        topic="supervision.reminder.issued",
        title=f"催办通知书（第 {reminder.sequence} 号）：工单 {ticket.number} 已超期{when}",
        unit=unit,
        ticket=ticket,
        payload={"reminder": reminder.pk},
        at=at,
    )
    return reminder


def _escalate(reminder: Reminder, profile: Profile, at: datetime) -> None:
    ticket = reminder.ticket
    reminder.escalated = True
    reminder.escalated_at = at
    reminder.save(update_fields=["escalated", "escalated_at"])
    if profile.reminder.escalation == "inspection_group":
        first = Reminder.objects.filter(deadline=reminder.deadline).order_by("sequence").first()
        start = timezone.localtime(first.issued_at if first else at).date()
        notice = Notice.objects.create(
            period_start=start,
            period_end=timezone.localtime(at).date(),
            ground=Ground.QLH53,
            text=(
                f"{reminder.unit.name}对工单 {ticket.number} 经催办未按期办理且不报告说明理由，"
                f"已上报{profile.reminder.escalate_to}，予以书面通报批评。"
            ),
            issued_at=at,
            reminder=reminder,
        )
        notice.units.add(reminder.unit)
        outbox_put(
            topic="supervision.reminder.escalated",
            title=f"工单 {ticket.number} 经催办仍未办理，已上报{profile.reminder.escalate_to}",
            ticket=ticket,
            payload={"reminder": reminder.pk, "notice": notice.pk},
            at=at,
        )
        outbox_put(
            topic="supervision.notice.issued",
            title=f"通报批评：工单 {ticket.number} 经催办未按期办理且不报告说明理由",
            unit=reminder.unit,
            ticket=ticket,
            payload={"notice": notice.pk},
            at=at,
        )
    elif (
        profile.reminder.escalation == "supervision"
        and not SupervisionOrder.objects.filter(ticket=ticket).exclude(state="closed").exists()
    ):
        _order_create(
            actor=None,
            ticket=ticket,
            trigger=Trigger.REMINDER_IGNORED,
            form=Form.WRITTEN,
            reason=f"经催办未按期办理且不报告说明理由（{profile.reminder.basis}）",
            at=at,
        )


def _grace_end(deadline: Deadline, profile: Profile) -> datetime:
    if deadline.due_at is None:
        raise ValueError("a deadline without a due time is never overdue")
    days = profile.reminder.grace_working_days
    if days == 0:
        return deadline.due_at
    limit = Limit(LimitUnit.WORKING_DAYS, days, profile.reminder.basis)
    end = compute_due(deadline.due_at, limit, calendar_current()).due_at
    return end or deadline.due_at


def _reminder_step(deadline_id: int, at: datetime) -> tuple[int, int]:
    """Take one step of one overdue deadline's chain; return (issued, escalated)."""
    with transaction.atomic():
        deadline = (
            Deadline.objects.select_for_update(of=("self",))
            .select_related("ticket", "assignment__unit")
            .filter(pk=deadline_id, met_at__isnull=True)
            .first()
        )
        if deadline is None or deadline.assignment is None or deadline.due_at is None:
            return 0, 0
        profile = load_profile(deadline.ticket.profile)
        rules = profile.reminder
        if not rules.enabled or _reason_reported(deadline):
            return 0, 0
        chain = list(Reminder.objects.filter(deadline=deadline).order_by("sequence"))
        if not chain:
            if at < _grace_end(deadline, profile):
                return 0, 0
            _issue(deadline, deadline.assignment.unit, at)
            return 1, 0
        last = chain[-1]
        if last.due_at is None or at < last.due_at:
            return 0, 0
        if len(chain) < rules.limit:
            _issue(deadline, deadline.assignment.unit, at)
            return 1, 0
        if last.escalated or rules.escalation == "none":
            return 0, 0
        _escalate(last, profile, at)
        return 0, 1


def reminders_issue(*, now: datetime | None = None) -> ReminderResult:
    """SUPERVISE-1, W3, A16: number and send reminder notices for overdue reply deadlines.

    1. An overdue reply deadline whose unit has reported no reason gets notice no. 1 once the
       profile's grace has passed.
    2. When a notice's own limit (``clocks.reminder``) passes with no reason, the next notice
       goes out, up to the profile's ``limit``.
    3. When the last notice's limit passes too, the chain escalates (QLH: 督查小组 and a written
       通报批评). A reason reported, an extension request or the reply itself stops it.
    """
    at = _now(now)
    ids = list(_overdue_reply_deadlines(at).values_list("id", flat=True))
    issued = escalated = 0
    for deadline_id in ids:
        try:
            i, e = _reminder_step(deadline_id, at)
        except IntegrityError:  # a concurrent sweep numbered it first
            continue
        issued += i
        escalated += e
    return ReminderResult(issued=issued, escalated=escalated)


def _reminder_locked(reminder: Reminder, actor: Any) -> Reminder:
    if not user_acts_for(actor, reminder.unit):
        raise PermissionDenied("只有被催办的承办单位可以回复催办通知书。")
    return (
        Reminder.objects.select_for_update(of=("self",))
        .select_related("ticket")
        .get(pk=reminder.pk)
    )


def reminder_acknowledge(
    *, actor: Any, reminder: Reminder, now: datetime | None = None
) -> Reminder:
    """The unit acknowledges a notice (it does not stop the chain; a reason does)."""
    at = _now(now)
    with transaction.atomic():
        reminder = _reminder_locked(reminder, actor)
        if reminder.acknowledged_at is None:
            reminder.acknowledged_at = at
            reminder.acknowledged_by = actor
            reminder.save(update_fields=["acknowledged_at", "acknowledged_by"])
    return reminder


def reminder_reason(
    *, actor: Any, reminder: Reminder, reason: str, now: datetime | None = None
) -> Reminder:
    """The unit reports its reason for the delay, which stops the chain (W3, A16)."""
    text = _required(reason, "请填写超期理由。")
    at = _now(now)
    with transaction.atomic():
        reminder = _reminder_locked(reminder, actor)
        if reminder.reason:
            raise Conflict("已报告过理由。", code="reason_already_reported")
        reminder.reason = text
        reminder.reason_at = at
        if reminder.acknowledged_at is None:
            reminder.acknowledged_at = at
            reminder.acknowledged_by = actor
        reminder.save(update_fields=["reason", "reason_at", "acknowledged_at", "acknowledged_by"])
        outbox_put(
            topic="supervision.reminder.reason",
            title=f"工单 {reminder.ticket.number} 的承办单位已报告超期理由",
            ticket=reminder.ticket,
            payload={"reminder": reminder.pk},
            at=at,
        )
    return reminder


# ----------------------------------------------------------------------------- notices


def notice_issue(
    *,
    actor: Any,
    unit_codes: list[str],
    period_start: date,
    period_end: date,
    ground: str,
    text: str,
    now: datetime | None = None,
) -> Notice:
    """A supervisor issues a public notice 通报 naming units (SUPERVISE-4, V5)."""
    if not actor.can("ticket.supervise"):
        raise PermissionDenied("只有督办人员可以发布通报。")
    body = _required(text, "请填写通报内容。")
    if ground not in Ground.values:
        raise InvalidInput(f"通报依据“{ground}”无效，应为：{'、'.join(Ground.values)}。")
    if period_end < period_start:
        raise InvalidInput("通报期间的结束日期不能早于开始日期。")
    codes = sorted({c.strip() for c in unit_codes if c.strip()})
    if not codes:
        raise InvalidInput("请至少选择一个被通报单位。")
    units = list(Unit.objects.filter(code__in=codes))
    missing = set(codes) - {u.code for u in units}
    if missing:
        raise NotFound(f"单位不存在：{'、'.join(sorted(missing))}。")
    at = _now(now)
    with transaction.atomic():
        notice = Notice.objects.create(
            period_start=period_start,
            period_end=period_end,
            ground=ground,
            text=body,
            issued_at=at,
            issued_by=actor,
        )
        notice.units.add(*units)
        for unit in units:
            outbox_put(
                topic="supervision.notice.issued",
                title=f"通报：{Ground(ground).label[:60]}",
                unit=unit,
                payload={"notice": notice.pk},
                at=at,
            )
    return notice
