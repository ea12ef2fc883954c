"""Services that change tickets: one business action, one transaction (STYLE.md §1).

Each checks the transition table, the actor's role and unit, changes the rows, appends a
``TicketEvent`` and creates or meets the ``Deadline`` rows the profile demands — all or nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from hotline.citizens.models import Citizen
from hotline.core.errors import Conflict, DomainError, InvalidInput
from hotline.directory.models import Area, Unit
from hotline.policy.calendar import WorkCalendar
from hotline.policy.deadline import PolicyInputError, deadline_answer
from hotline.policy.profiles import load_profile
from hotline.policy.services import calendar_current
from hotline.tickets.models import (
    Assignment,
    DailyCounter,
    Deadline,
    DeadlineChange,
    Ticket,
    TicketEvent,
)
from hotline.tickets.transitions import (
    Action,
    Options,
    Relation,
    State,
    TicketTransitionError,
    transition_check,
)

# The clocks a dispatch starts for the lead unit, in the order they fall due.
UNIT_CLOCKS = ("sign_for", "first_contact", "return", "reply")


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _relation(actor: Any, ticket: Ticket | None) -> Relation:
    """Return how the actor's unit relates to the ticket (the one rule, see accounts/scope)."""
    if actor.is_centre_staff:
        return Relation.CENTRE
    if ticket is None or actor.unit is None:
        return Relation.OTHER
    lead = ticket.assignments.filter(active=True, role=Assignment.Role.LEAD).first()
    if lead is None:
        return Relation.OTHER
    if lead.unit_id == actor.unit_id:
        return Relation.ASSIGNED_UNIT
    if actor.can("unit.subunits") and lead.unit.path.startswith(actor.unit.path):
        return Relation.ASSIGNED_UNIT
    return Relation.OTHER


def _options(ticket: Ticket | None) -> Options:
    profile = load_profile(ticket.profile if ticket else settings.HOTLINE_PROFILE)
    return Options(
        review_required=profile.review.required,
        returns_allowed=profile.returns.allowed,
        extensions_allowed=profile.extension.allowed,
    )


def _check(actor: Any, ticket: Ticket | None, action: Action, outcome: str | None = None) -> State:
    try:
        transition = transition_check(
            state=State(ticket.state) if ticket else None,
            action=action,
            roles=actor.role_codes(),
            relation=_relation(actor, ticket),
            options=_options(ticket),
            outcome=outcome,
        )
    except TicketTransitionError as exc:
        raise DomainError(exc.message, code=exc.code, status=exc.status) from None
    return transition.target


def _move(ticket: Ticket, target: State) -> str:
    """Set the state with an optimistic lock: a concurrent change makes this one fail."""
    old = ticket.state
    updated = Ticket.objects.filter(pk=ticket.pk, version=ticket.version).update(
        state=target.value, version=F("version") + 1
    )
    if not updated:
        raise Conflict()
    ticket.state = target.value
    ticket.version += 1
    return old


def _event(
    ticket: Ticket,
    *,
    actor: Any,
    action: str,
    old: str,
    note: str = "",
    payload: dict[str, Any] | None = None,
    at: datetime,
) -> TicketEvent:
    return TicketEvent.objects.create(
        ticket=ticket,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        from_state=old,
        to_state=ticket.state,
        note=note,
        payload=payload or {},
        at=at,
    )


def _deadline(
    ticket: Ticket,
    kind: str,
    *,
    start: datetime,
    calendar: WorkCalendar,
    assignment: Assignment | None = None,
) -> Deadline | None:
    """Create the deadline of clock ``kind`` from ``start``; None when the profile sets none."""
    try:
        answer = deadline_answer(
            profile=ticket.profile,
            clock=kind,
            category=ticket.category,
            complex=ticket.complex,
            urgent=ticket.urgent,
            start=start,
            calendar=calendar,
        )
    except PolicyInputError as exc:
        if exc.code == "unknown_clock":
            return None
        raise DomainError(exc.message, code=exc.code) from None
    if answer.due_at is None:
        return None
    return Deadline.objects.create(
        ticket=ticket,
        assignment=assignment,
        kind=kind,
        start_at=start,
        due_at=answer.due_at,
        basis=answer.basis,
        unit=str(answer.unit),
        length=answer.length,
        provisional=answer.provisional,
    )


def _meet(ticket: Ticket, kinds: Iterable[str], at: datetime) -> None:
    ticket.deadlines.filter(kind__in=list(kinds), met_at__isnull=True).update(met_at=at)


def _next_number(day: Any) -> str:
    DailyCounter.objects.get_or_create(day=day)
    DailyCounter.objects.filter(day=day).update(last=F("last") + 1)
    last = DailyCounter.objects.get(day=day).last
    return f"{day:%Y%m%d}-{last:06d}"


def ticket_register(
    *,
    actor: Any,
    channel: str,
    category: str,
    content: str,
    citizen_phone: str,
    citizen_name: str = "",
    urgent: bool = False,
    complex: bool = False,
    address: str = "",
    area_code: str | None = None,
    now: datetime | None = None,
) -> Ticket:
    """Register a request as a ticket (INTAKE-3, INTAKE-4); start the dispatch clock."""
    at = _now(now)
    if not content.strip():
        raise InvalidInput("诉求内容不能为空。")
    if not citizen_phone.strip():
        raise InvalidInput("来电号码不能为空。")
    _check(actor, None, Action.REGISTER)
    area = None
    if area_code:
        area = Area.objects.filter(code=area_code).first()
        if area is None:
            raise InvalidInput(f"区域编码“{area_code}”不存在。")
    with transaction.atomic():
        citizen, _ = Citizen.objects.get_or_create(
            phone=citizen_phone.strip(), defaults={"name": citizen_name}
        )
        ticket = Ticket.objects.create(
            number=_next_number(timezone.localtime(at).date()),
            state=State.REGISTERED.value,
            profile=settings.HOTLINE_PROFILE,
            channel=channel,
            category=category,
            citizen=citizen,
            content=content.strip(),
            urgent=urgent,
            complex=complex,
            address=address,
            area=area,
            registered_at=at,
            registered_by=actor,
        )
        _event(ticket, actor=actor, action="ticket.registered", old="", at=at)
        _deadline(ticket, "dispatch", start=at, calendar=calendar_current())
    return ticket


def ticket_dispatch(
    *,
    actor: Any,
    ticket: Ticket,
    unit_code: str,
    assisting: Iterable[str] = (),
    note: str = "",
    now: datetime | None = None,
) -> Ticket:
    """Dispatch to a lead unit with optional assisting units (DISPATCH-1, DISPATCH-4).

    The dispatch time is the unit's receipt time (HANDLE-1); the unit's clocks start from it.
    """
    at = _now(now)
    target = _check(actor, ticket, Action.DISPATCH)
    units = {u.code: u for u in Unit.objects.filter(code__in=[unit_code, *assisting])}
    for code in [unit_code, *assisting]:
        unit = units.get(code)
        if unit is None or not unit.can_receive_tickets:
            raise InvalidInput(f"单位“{code}”不存在、已停用或尚未接入系统，不能派单。")
    with transaction.atomic():
        old = _move(ticket, target)
        lead = Assignment.objects.create(
            ticket=ticket, unit=units[unit_code], role=Assignment.Role.LEAD, dispatched_at=at
        )
        for code in assisting:
            Assignment.objects.create(
                ticket=ticket, unit=units[code], role=Assignment.Role.ASSIST, dispatched_at=at
            )
        _meet(ticket, ["dispatch"], at)
        calendar = calendar_current()
        for kind in UNIT_CLOCKS:
            _deadline(ticket, kind, start=at, calendar=calendar, assignment=lead)
        _event(
            ticket,
            actor=actor,
            action="ticket.dispatched",
            old=old,
            note=note,
            at=at,
            payload={"unit": unit_code, "assisting": list(assisting)},
        )
    return ticket


def _simple(
    actor: Any,
    ticket: Ticket,
    action: Action,
    code: str,
    meets: list[str],
    note: str,
    at: datetime,
    payload: dict[str, Any] | None = None,
) -> Ticket:
    target = _check(actor, ticket, action)
    with transaction.atomic():
        old = _move(ticket, target)
        _meet(ticket, meets, at)
        _event(ticket, actor=actor, action=code, old=old, note=note, at=at, payload=payload)
    return ticket


def ticket_sign(*, actor: Any, ticket: Ticket, now: datetime | None = None) -> Ticket:
    """The lead unit signs for the ticket (HANDLE-2)."""
    at = _now(now)
    ticket.assignments.filter(active=True, role=Assignment.Role.LEAD).update(signed_at=at)
    return _simple(actor, ticket, Action.SIGN, "ticket.signed", ["sign_for"], "", at)


def ticket_contact(*, actor: Any, ticket: Ticket, note: str, now: datetime | None = None) -> Ticket:
    """First contact with the citizen made (HANDLE-2)."""
    if not note.strip():
        raise InvalidInput("请填写先行联系的情况。")
    at = _now(now)
    return _simple(actor, ticket, Action.CONTACT, "ticket.contacted", ["first_contact"], note, at)


def ticket_reply(
    *,
    actor: Any,
    ticket: Ticket,
    content: str,
    citizen_satisfaction: str = "",
    now: datetime | None = None,
) -> Ticket:
    """The unit's reply, with the citizen's satisfaction as reported (HANDLE-4)."""
    if not content.strip():
        raise InvalidInput("答复内容不能为空。")
    at = _now(now)
    target = _check(actor, ticket, Action.REPLY)
    with transaction.atomic():
        old = _move(ticket, target)
        _meet(ticket, ["reply", "return", "sign_for", "first_contact"], at)
        _deadline(ticket, "callback", start=at, calendar=calendar_current())
        _event(
            ticket,
            actor=actor,
            action="ticket.replied",
            old=old,
            note=content,
            at=at,
            payload={"citizen_satisfaction": citizen_satisfaction},
        )
    return ticket


def deadlines_recompute_provisional(
    *, calendar: WorkCalendar | None = None, now: datetime | None = None
) -> int:
    """Recompute open provisional deadlines with the calendar in force (A28).

    Only provisional, unmet deadlines are touched; each one that moves keeps its history
    (``DeadlineChange``, SLA-6) and puts an event on its ticket. Returns how many moved.
    Call it inside the transaction that changed the calendar.
    """
    at = _now(now)
    calendar = calendar or calendar_current()
    moved = 0
    open_provisional = Deadline.objects.filter(provisional=True, met_at__isnull=True)
    for deadline in open_provisional.select_related("ticket"):
        ticket = deadline.ticket
        answer = deadline_answer(
            profile=ticket.profile,
            clock=deadline.kind,
            category=ticket.category,
            complex=ticket.complex,
            urgent=ticket.urgent,
            start=deadline.start_at,
            calendar=calendar,
        )
        if answer.due_at == deadline.due_at:
            if not answer.provisional:
                Deadline.objects.filter(pk=deadline.pk).update(provisional=False)
            continue
        DeadlineChange.objects.create(
            deadline=deadline,
            at=at,
            old_due_at=deadline.due_at,
            new_due_at=answer.due_at,
            reason="calendar",
        )
        Deadline.objects.filter(pk=deadline.pk).update(
            due_at=answer.due_at, provisional=answer.provisional
        )
        TicketEvent.objects.create(
            ticket=ticket,
            at=at,
            action="ticket.deadline.moved",
            from_state=ticket.state,
            to_state=ticket.state,
            note="节假日安排更新，时限重新计算",
            payload={
                "kind": deadline.kind,
                "old_due_at": deadline.due_at.isoformat() if deadline.due_at else None,
                "new_due_at": answer.due_at.isoformat() if answer.due_at else None,
            },
        )
        moved += 1
    return moved
