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


def _options(ticket: Ticket | None, at: datetime | None = None) -> Options:
    profile = load_profile(ticket.profile if ticket else settings.HOTLINE_PROFILE)
    returns_allowed = profile.returns.allowed
    if ticket is not None and returns_allowed:
        # HANDLE-3: a return is possible only within the profile's return window.
        window = ticket.deadlines.filter(kind="return", met_at__isnull=True).first()
        if window is not None and window.due_at is not None:
            returns_allowed = _now(at) < window.due_at
    return Options(
        review_required=profile.review.required,
        returns_allowed=returns_allowed,
        extensions_allowed=profile.extension.allowed,
        callback_required=profile.callback.mode == "every_ticket",
    )


def _check(
    actor: Any,
    ticket: Ticket | None,
    action: Action,
    outcome: str | None = None,
    at: datetime | None = None,
) -> State:
    try:
        transition = transition_check(
            state=State(ticket.state) if ticket else None,
            action=action,
            roles=actor.role_codes(),
            relation=_relation(actor, ticket),
            options=_options(ticket, at),
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
    return _dispatch(
        actor=actor,
        ticket=ticket,
        action=Action.DISPATCH,
        code="ticket.dispatched",
        unit_code=unit_code,
        assisting=list(assisting),
        note=note,
        at=_now(now),
    )


def _dispatch(
    *,
    actor: Any,
    ticket: Ticket,
    action: Action,
    code: str,
    unit_code: str,
    assisting: list[str],
    note: str,
    at: datetime,
) -> Ticket:
    target = _check(actor, ticket, action, at=at)
    units = {u.code: u for u in Unit.objects.filter(code__in=[unit_code, *assisting])}
    for unit_ref in [unit_code, *assisting]:
        unit = units.get(unit_ref)
        if unit is None or not unit.can_receive_tickets:
            raise InvalidInput(f"单位“{unit_ref}”不存在、已停用或尚未接入系统，不能派单。")
    with transaction.atomic():
        old = _move(ticket, target)
        ticket.assignments.filter(active=True).update(active=False)
        lead = Assignment.objects.create(
            ticket=ticket, unit=units[unit_code], role=Assignment.Role.LEAD, dispatched_at=at
        )
        for assist_code in assisting:
            Assignment.objects.create(
                ticket=ticket,
                unit=units[assist_code],
                role=Assignment.Role.ASSIST,
                dispatched_at=at,
            )
        _meet(ticket, ["dispatch"], at)
        calendar = calendar_current()
        for kind in UNIT_CLOCKS:
            _deadline(ticket, kind, start=at, calendar=calendar, assignment=lead)
        _event(
            ticket,
            actor=actor,
            action=code,
            old=old,
            note=note,
            at=at,
            payload={"unit": unit_code, "assisting": assisting},
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
    outcome: str | None = None,
) -> Ticket:
    target = _check(actor, ticket, action, outcome, at)
    with transaction.atomic():
        old = _move(ticket, target)
        _meet(ticket, meets, at)
        _event(ticket, actor=actor, action=code, old=old, note=note, at=at, payload=payload)
    return ticket


def ticket_sign(*, actor: Any, ticket: Ticket, now: datetime | None = None) -> Ticket:
    """The lead unit signs for the ticket (HANDLE-2)."""
    at = _now(now)
    with transaction.atomic():
        _simple(actor, ticket, Action.SIGN, "ticket.signed", ["sign_for"], "", at)
        ticket.assignments.filter(active=True, role=Assignment.Role.LEAD).update(signed_at=at)
    return ticket


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
    target = _check(actor, ticket, Action.REPLY, at=at)
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


def _required(value: str, message: str) -> str:
    if not value or not value.strip():
        raise InvalidInput(message)
    return value.strip()


def ticket_reject(
    *, actor: Any, ticket: Ticket, reason: str, note: str = "", now: datetime | None = None
) -> Ticket:
    """Not accepted, with the profile's reason and its referral (SCOPE-2); still registered."""
    profile = load_profile(ticket.profile)
    reasons = {item.code: item for item in profile.scope.not_accepted}
    item = reasons.get(reason)
    if item is None:
        raise InvalidInput(f"不予受理理由“{reason}”不在本政策配置的清单中。")
    if item.requires_note and not note.strip():
        raise InvalidInput("该理由需要填写具体说明。")
    at = _now(now)
    with transaction.atomic():
        _simple(
            actor,
            ticket,
            Action.REJECT,
            "ticket.rejected",
            ["dispatch"],
            note,
            at,
            {"reason": reason, "text": item.text, "referral": list(item.referral)},
        )
    return ticket


def ticket_answer(
    *,
    actor: Any,
    ticket: Ticket,
    content: str,
    articles: Iterable[str] = (),
    now: datetime | None = None,
) -> Ticket:
    """Answered directly by the agent, citing knowledge-base articles (ANSWER-1)."""
    _required(content, "请填写答复内容。")
    at = _now(now)
    return _simple(
        actor,
        ticket,
        Action.ANSWER,
        "ticket.answered",
        ["dispatch", "deferred_answer"],
        content,
        at,
        {"articles": list(articles)},
    )


def ticket_defer(
    *, actor: Any, ticket: Ticket, note: str = "", now: datetime | None = None
) -> Ticket:
    """The answer cannot be settled during the call: answer later (ANSWER-2)."""
    at = _now(now)
    with transaction.atomic():
        _simple(actor, ticket, Action.DEFER, "ticket.deferred", [], note, at)
        _deadline(ticket, "deferred_answer", start=at, calendar=calendar_current())
    return ticket


def ticket_review(
    *, actor: Any, ticket: Ticket, note: str = "", now: datetime | None = None
) -> Ticket:
    """Reviewed by the centre before dispatch (DISPATCH-2)."""
    return _simple(actor, ticket, Action.REVIEW, "ticket.reviewed", [], note, _now(now))


def ticket_return(
    *, actor: Any, ticket: Ticket, reason: str, basis: str, now: datetime | None = None
) -> Ticket:
    """The unit returns a ticket that is not its business, with reason and basis (HANDLE-3)."""
    _required(reason, "请填写退回理由。")
    _required(basis, "请填写退回依据。")
    at = _now(now)
    with transaction.atomic():
        _simple(
            actor,
            ticket,
            Action.RETURN,
            "ticket.returned",
            list(UNIT_CLOCKS),
            reason,
            at,
            {"reason": reason, "basis": basis},
        )
        ticket.assignments.filter(active=True).update(active=False)
    return ticket


def ticket_redispatch(
    *,
    actor: Any,
    ticket: Ticket,
    unit_code: str,
    assisting: Iterable[str] = (),
    note: str = "",
    now: datetime | None = None,
) -> Ticket:
    """The centre confirms a return and dispatches again (HANDLE-3)."""
    return _dispatch(
        actor=actor,
        ticket=ticket,
        action=Action.REDISPATCH,
        code="ticket.redispatched",
        unit_code=unit_code,
        assisting=list(assisting),
        note=note,
        at=_now(now),
    )


def ticket_explain(*, actor: Any, ticket: Ticket, note: str, now: datetime | None = None) -> Ticket:
    """Cannot be solved now: the explanation given to the citizen is filed (HANDLE-6)."""
    _required(note, "请填写向诉求人所作的解释说明。")
    at = _now(now)
    with transaction.atomic():
        _simple(
            actor,
            ticket,
            Action.EXPLAIN,
            "ticket.explained",
            ["reply", "return", "sign_for", "first_contact"],
            note,
            at,
        )
        _deadline(ticket, "callback", start=at, calendar=calendar_current())
    return ticket


def ticket_escalate(
    *, actor: Any, ticket: Ticket, note: str = "", now: datetime | None = None
) -> Ticket:
    """Escalated to the unit's head (HANDLE-7)."""
    return _simple(actor, ticket, Action.ESCALATE, "ticket.escalated", [], note, _now(now))


CALLBACK_RESULTS = ("satisfied", "basically_satisfied", "dissatisfied", "unreached")


def ticket_callback(
    *, actor: Any, ticket: Ticket, result: str, note: str = "", now: datetime | None = None
) -> Ticket:
    """Record the callback's result (CALLBACK-2); dissatisfied leads to redo (CALLBACK-3)."""
    if result not in CALLBACK_RESULTS:
        raise InvalidInput(f"回访结果“{result}”无效，应为：{'、'.join(CALLBACK_RESULTS)}。")
    meets = [] if result == "unreached" else ["callback"]
    return _simple(
        actor,
        ticket,
        Action.CALLBACK,
        "ticket.called_back",
        meets,
        note,
        _now(now),
        {"result": result},
        outcome=result,
    )


def ticket_redo(
    *, actor: Any, ticket: Ticket, note: str = "", now: datetime | None = None
) -> Ticket:
    """Send a dissatisfied ticket back to the same unit with a new reply clock (CALLBACK-3)."""
    last = ticket.assignments.filter(role=Assignment.Role.LEAD).order_by("-dispatched_at").first()
    if last is None:
        raise InvalidInput("该工单没有承办单位，无法重办。")
    return _dispatch(
        actor=actor,
        ticket=ticket,
        action=Action.REDO,
        code="ticket.redo",
        unit_code=last.unit.code,
        assisting=[],
        note=note,
        at=_now(now),
    )


def ticket_close(
    *, actor: Any, ticket: Ticket, note: str = "", now: datetime | None = None
) -> Ticket:
    """Close the ticket; no deadline stays open on a closed ticket."""
    at = _now(now)
    with transaction.atomic():
        _simple(actor, ticket, Action.CLOSE, "ticket.closed", [], note, at)
        ticket.deadlines.filter(met_at__isnull=True).update(met_at=at)
    return ticket


def ticket_transfer(
    *, actor: Any, ticket: Ticket, platform: str, note: str = "", now: datetime | None = None
) -> Ticket:
    """Transfer to another platform (DISPATCH-6)."""
    _required(platform, "请填写转往的平台。")
    at = _now(now)
    with transaction.atomic():
        _simple(
            actor,
            ticket,
            Action.TRANSFER,
            "ticket.transferred",
            [],
            note,
            at,
            {"platform": platform},
        )
        ticket.deadlines.filter(met_at__isnull=True).update(met_at=at)
    return ticket


def ticket_reopen(
    *, actor: Any, ticket: Ticket, note: str = "", now: datetime | None = None
) -> Ticket:
    """Reopen a closed ticket; it is registered again and its dispatch clock restarts."""
    at = _now(now)
    with transaction.atomic():
        _simple(actor, ticket, Action.REOPEN, "ticket.reopened", [], note, at)
        _deadline(ticket, "dispatch", start=at, calendar=calendar_current())
    return ticket


def ticket_archive(*, actor: Any, ticket: Ticket, now: datetime | None = None) -> Ticket:
    """Archive a finished ticket."""
    return _simple(actor, ticket, Action.ARCHIVE, "ticket.archived", [], "", _now(now))


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
