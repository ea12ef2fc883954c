"""Services that change tickets: one business action, one transaction (STYLE.md §1).

Each checks the transition table, the actor's role and unit, changes the rows, appends a
``TicketEvent`` and creates or meets the ``Deadline`` rows the profile demands — all or nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from hotline.citizens.services import citizen_for_call, citizen_phone_clean
from hotline.core.categories import Category
from hotline.core.errors import Conflict, DomainError, InvalidInput, NotFound
from hotline.directory.models import Area, Unit
from hotline.policy.calendar import WorkCalendar
from hotline.policy.deadline import PolicyInputError, deadline_answer
from hotline.policy.profiles import (
    Profile,
    distinguishes_complex,
    escalation_kinds,
    load_profile,
)
from hotline.policy.services import calendar_current
from hotline.policy.sla import compute_due
from hotline.tickets.access import LEAD_CACHE, lead_known, lead_of
from hotline.tickets.events import events_record, notice_request
from hotline.tickets.models import (
    Assignment,
    Channel,
    CitizenNotice,
    DailyCounter,
    Deadline,
    DeadlineChange,
    DispatchKind,
    ExtensionRequest,
    ReclassificationRequest,
    Ticket,
    TicketEvent,
)
from hotline.tickets.transitions import (
    CALLBACK_RESULTS,
    EVALUATION_RESULTS,
    EVENT_REPORT_KINDS,
    Action,
    Options,
    Relation,
    State,
    TicketTransitionError,
    allowed_actions,
    guard_option,
    replay,
    transition_check,
)

# The clocks a dispatch starts for the lead unit, in the order they fall due. The return
# window (``clocks.return``) is not among them: it bounds a right, it is not owed (issue 12).
UNIT_CLOCKS = ("sign_for", "first_contact", "reply")


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _relation(actor: Any, ticket: Ticket | None) -> Relation:
    """Return how the actor's unit relates to the ticket (the one rule, see accounts/scope)."""
    if actor.is_centre_staff:
        return Relation.CENTRE
    if ticket is None or actor.unit is None:
        return Relation.OTHER
    lead = _lead(ticket)
    if lead is None:
        return Relation.OTHER
    if lead.unit_id == actor.unit_id:
        return Relation.ASSIGNED_UNIT
    if actor.can("unit.subunits") and lead.unit.path.startswith(actor.unit.path):
        return Relation.ASSIGNED_UNIT
    if _assist_of(actor, ticket) is not None:
        return Relation.ASSISTING_UNIT
    return Relation.OTHER


def _open_reply(ticket: Ticket) -> Deadline | None:
    return ticket.deadlines.filter(kind="reply", met_at__isnull=True).order_by("-id").first()


def extension_cutoff(ticket: Ticket, reply: Deadline) -> datetime | None:
    """Return the last moment to ask for an extension of ``reply`` (HANDLE-5, A6)."""
    if reply.due_at is None:
        return None
    try:
        answer = deadline_answer(
            profile=ticket.profile,
            clock="extension_request",
            start=reply.due_at,
            calendar=calendar_current(),
        )
    except PolicyInputError:
        return reply.due_at
    return answer.due_at or reply.due_at


def _options(
    ticket: Ticket | None, at: datetime | None = None, action: Action | None = None
) -> Options:
    """Return the profile's rules for ``ticket`` now; windows are looked up only for ``action``
    (all of them when ``action`` is None), so that an everyday action costs no extra query."""
    profile = load_profile(ticket.profile if ticket else settings.HOTLINE_PROFILE)
    moment = _now(at)
    returns_allowed = profile.returns.allowed
    extensions_allowed = profile.extension.allowed
    reopen_open = True
    if ticket is not None and returns_allowed and action in (None, Action.RETURN):
        # HANDLE-3: a return is possible only within the profile's return window.
        window = return_window(ticket)
        if window is not None and window.due_at is not None:
            returns_allowed = moment < window.due_at
    if ticket is not None and extensions_allowed and action in (None, Action.EXTENSION_REQUEST):
        reply = _open_reply(ticket)
        cutoff = extension_cutoff(ticket, reply) if reply is not None else None
        extensions_allowed = reply is not None and (cutoff is None or moment < cutoff)
    if (
        ticket is not None
        and ticket.state == State.CLOSED.value
        and action in (None, Action.REOPEN)
    ):
        closed = ticket.events.filter(action="ticket.closed").order_by("-at", "-id").first()
        if closed is not None:
            until = compute_due(closed.at, profile.reopen.limit(), calendar_current()).due_at
            reopen_open = until is None or moment < until
    return Options(
        review_required=profile.review.required,
        returns_allowed=returns_allowed,
        extensions_allowed=extensions_allowed,
        # Looked up only where the rule that applies reads it (a close of a replied ticket,
        # a callback on a closed one): the everyday callback and close cost no query for it.
        callback_required=callback_owed(ticket, profile)
        if action is None
        or guard_option(State(ticket.state) if ticket else None, action) == "callback_required"
        else False,
        reopen_window_open=reopen_open,
        **_options_part2(ticket, profile, moment, action),
        evaluation_missing=evaluation_missing(ticket),
    )


def callback_owed(ticket: Ticket | None, profile: Profile) -> bool:
    """Return whether a callback is owed on ``ticket`` (CALLBACK-1): an unmet ``callback``
    deadline. The result starts one where the profile's clock has a limit; the ``callbacks``
    app adds one for a sampled, supervised or market-service ticket and meets it when the
    citizen stays unreached after the centre's limit of tries. Under ``every_ticket`` a replied
    ticket without any callback deadline (none was ever started) owes one too."""
    if ticket is None:
        return profile.callback.mode == "every_ticket"
    rows = ticket.deadlines.filter(kind="callback")
    if rows.filter(met_at__isnull=True).exists():
        return True
    return (
        profile.callback.mode == "every_ticket"
        and ticket.state == State.REPLIED.value
        and not rows.exists()
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
            options=_options(ticket, at, action),
            outcome=outcome,
        )
    except TicketTransitionError as exc:
        raise DomainError(exc.message, code=exc.code, status=exc.status) from None
    return transition.target


def _move(ticket: Ticket, target: State) -> str:
    """Set the state with an optimistic lock: a concurrent change makes this one fail.

    The lead read for this version (``_lead``) stays valid for the next one: the actions that
    change the lead (dispatch, return) set or forget it themselves after their move.
    """
    old = ticket.state
    updated = Ticket.objects.filter(pk=ticket.pk, version=ticket.version).update(
        state=target.value, version=F("version") + 1
    )
    if not updated:
        raise Conflict()
    cached = ticket.__dict__.get(LEAD_CACHE)
    ticket.state = target.value
    ticket.version += 1
    if cached is not None and cached[0] == ticket.version - 1:
        lead_known(ticket, cached[1])
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
    """Append the action's event to the timeline and publish it (tickets/events.py)."""
    event = TicketEvent(
        ticket=ticket,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        from_state=old,
        to_state=ticket.state,
        note=note,
        payload=payload or {},
        at=at,
    )
    events_record([event])
    return event


def warn_at(profile: str, start: datetime, due_at: datetime | None) -> datetime | None:
    """Return when a deadline's light turns to warning: the profile's share of it left (SLA-5)."""
    if due_at is None:
        return None
    share = load_profile(profile).profile.warning_share
    period = max(due_at - start, timedelta(0))
    return due_at - period * share


def _deadline(
    ticket: Ticket,
    kind: str,
    *,
    start: datetime,
    calendar: WorkCalendar,
    assignment: Assignment | None = None,
    explicit: bool = False,
) -> Deadline | None:
    """Create and return the deadline of clock ``kind`` (see ``_deadline_row``)."""
    row = _deadline_row(
        ticket, kind, start=start, calendar=calendar, assignment=assignment, explicit=explicit
    )
    if row is not None:
        row.save()
    return row


def _deadline_row(
    ticket: Ticket,
    kind: str,
    *,
    start: datetime,
    calendar: WorkCalendar,
    assignment: Assignment | None = None,
    explicit: bool = False,
) -> Deadline | None:
    """Create the deadline of clock ``kind`` from ``start``; None when the profile sets none.

    With ``explicit``, a statutory or promised deadline recorded on the ticket replaces the
    profile's reply limit (A8).
    """
    if explicit and kind == "reply" and ticket.due_override_at is not None:
        return Deadline(
            ticket=ticket,
            assignment=assignment,
            kind=kind,
            start_at=start,
            due_at=ticket.due_override_at,
            warn_at=warn_at(ticket.profile, start, ticket.due_override_at),
            basis=ticket.due_override_basis,
            unit="explicit",
        )
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
    return Deadline(
        ticket=ticket,
        assignment=assignment,
        kind=kind,
        start_at=start,
        due_at=answer.due_at,
        warn_at=warn_at(ticket.profile, start, answer.due_at),
        basis=answer.basis,
        unit=str(answer.unit),
        length=answer.length,
        provisional=answer.provisional,
    )


def _meet(ticket: Ticket, kinds: Iterable[str], at: datetime) -> None:
    wanted = list(kinds)
    if wanted:
        ticket.deadlines.filter(kind__in=wanted, met_at__isnull=True).update(met_at=at)


def _next_number(day: Any) -> str:
    """Return the day's next number; the row lock of the UPDATE serialises concurrent callers."""
    table = DailyCounter._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last = last + 1 WHERE day = %s RETURNING last",  # noqa: S608
            [day],
        )
        row = cursor.fetchone()
    if row is None:  # the day's first ticket
        DailyCounter.objects.get_or_create(day=day)
        return _next_number(day)
    return f"{day:%Y%m%d}-{row[0]:06d}"


def ticket_register(
    *,
    actor: Any,
    channel: str,
    category: str,
    content: str,
    citizen_phone: str,
    citizen_name: str = "",
    phone_withheld: bool = False,
    urgent: bool = False,
    complex: bool = False,
    address: str = "",
    area_code: str | None = None,
    confidential: bool = False,
    complained_unit_code: str | None = None,
    due_at: datetime | None = None,
    due_basis: str = "",
    related: Iterable[str] = (),
    escalation: Iterable[str] = (),
    now: datetime | None = None,
) -> Ticket:
    """Register a request as a ticket (INTAKE-3, INTAKE-4); start the dispatch clock.

    ``escalation`` flags the kinds of matter that must go to the unit's head (HANDLE-7).

    ``citizen_phone`` is checked and normalised (``citizens.phones``; a bad number is an
    ``InvalidInput`` saying what is wrong); ``phone_withheld`` records a caller who withheld the
    number. ``citizen_name`` picks or adds the contact of that number who called
    (``citizens.services.citizen_for_call``).

    ``due_at`` with ``due_basis`` is a statutory or promised limit that replaces the profile's
    reply limit once dispatched (A8). ``related`` names earlier tickets (repeat calls,
    duplicates) by number.
    """
    at = _now(now)
    if not content.strip():
        raise InvalidInput("诉求内容不能为空。")
    if not phone_withheld:
        citizen_phone = citizen_phone_clean(citizen_phone)
    if category not in Category.values:
        raise InvalidInput(f"诉求类别“{category}”无效，应为：{'、'.join(Category.values)}。")
    if channel not in Channel.values:
        raise InvalidInput(f"来源渠道“{channel}”无效，应为：{'、'.join(Channel.values)}。")
    _check(actor, None, Action.REGISTER)
    area = None
    if area_code:
        area = Area.objects.filter(code=area_code).first()
        if area is None:
            raise InvalidInput(f"区域编码“{area_code}”不存在。")
    complained = None
    if complained_unit_code:
        complained = Unit.objects.filter(code=complained_unit_code).first()
        if complained is None:
            raise InvalidInput(f"被投诉单位“{complained_unit_code}”不存在。")
    if due_at is not None:
        if due_at.tzinfo is None:
            raise InvalidInput("法定或承诺时限须带时区，例如 2026-12-01T18:00:00+08:00。")
        if due_at <= at:
            raise InvalidInput("法定或承诺时限须晚于登记时间。")
        if not due_basis.strip():
            raise InvalidInput("请填写法定或承诺时限的依据。")
    escalation_codes = _escalation_codes(load_profile(settings.HOTLINE_PROFILE), escalation)
    related_numbers = [n.strip() for n in related if n.strip()]
    linked = list(Ticket.objects.filter(number__in=related_numbers))
    missing = set(related_numbers) - {t.number for t in linked}
    if missing:
        raise InvalidInput(f"关联工单不存在：{'、'.join(sorted(missing))}。")
    with transaction.atomic():
        # One number may serve a family: the ticket names the contact who called.
        citizen = citizen_for_call(phone=citizen_phone, name=citizen_name, withheld=phone_withheld)
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
            confidential=confidential,
            complained_unit=complained,
            due_override_at=due_at,
            due_override_basis=due_basis.strip(),
            escalation=escalation_codes,
            registered_at=at,
            registered_by=actor,
        )
        if linked:
            ticket.related.add(*linked)
        # How many earlier tickets this call names (a repeat call, V1): reactions that count
        # repeat calls need not look when it is none.
        payload = {"related": len(linked)} if linked else None
        _event(ticket, actor=actor, action="ticket.registered", old="", at=at, payload=payload)
        _start_clocks(ticket, "registration", at=at)
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
    _assisting_check(ticket, unit_code, assisting)
    units = {u.code: u for u in Unit.objects.filter(code__in=[unit_code, *assisting])}
    for unit_ref in [unit_code, *assisting]:
        unit = units.get(unit_ref)
        if unit is None or not unit.can_receive_tickets:
            raise InvalidInput(f"单位“{unit_ref}”不存在、已停用或尚未接入系统，不能派单。")
    with transaction.atomic():
        old = _move(ticket, target)
        ticket.assignments.filter(active=True).update(active=False)
        lead = Assignment.objects.create(
            ticket=ticket,
            unit=units[unit_code],
            role=Assignment.Role.LEAD,
            dispatched_at=at,
            kind=DISPATCH_KINDS[action],
        )
        lead_known(ticket, lead)
        assists = Assignment.objects.bulk_create(
            [
                Assignment(
                    ticket=ticket,
                    unit=units[assist_code],
                    role=Assignment.Role.ASSIST,
                    dispatched_at=at,
                )
                for assist_code in assisting
            ]
        )
        _meet(ticket, ["dispatch"], at)
        calendar = calendar_current()
        rows = [
            _deadline_row(
                ticket,
                kind,
                start=at,
                calendar=calendar,
                assignment=lead,
                explicit=action is not Action.REDO,
            )
            for kind in _receipt_clocks(ticket, "dispatch")
        ]
        Deadline.objects.bulk_create([row for row in rows if row is not None])
        _event(
            ticket,
            actor=actor,
            action=code,
            old=old,
            note=note,
            at=at,
            payload={"unit": unit_code, "assisting": assisting},
        )
        _dispatch_part2(
            ticket, actor=actor, action=action, at=at, calendar=calendar, assists=assists
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
        lead = _lead(ticket)
        if lead is not None:
            lead.signed_at = at
        _start_receipt_clocks_at_sign(ticket, at)
    return ticket


def ticket_contact(*, actor: Any, ticket: Ticket, note: str, now: datetime | None = None) -> Ticket:
    """First contact with the citizen made (HANDLE-2)."""
    if not note.strip():
        raise InvalidInput("请填写先行联系的情况。")
    at = _now(now)
    with transaction.atomic():
        return _simple(
            actor, ticket, Action.CONTACT, "ticket.contacted", ["first_contact"], note, at
        )


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
    citizen_satisfaction = reply_satisfaction_check(ticket, citizen_satisfaction)
    at = _now(now)
    target = _check(actor, ticket, Action.REPLY, at=at)
    _reply_blockers(ticket)
    with transaction.atomic():
        old = _move(ticket, target)
        _meet(ticket, ["reply", "return", "sign_for", "first_contact"], at)
        _start_clocks(ticket, "result", at=at)
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


def _cite(articles: Iterable[Any]) -> list[dict[str, Any]]:
    """Return the cited articles as ``{"id", "version", "title"}`` of their live version."""
    from hotline.knowledge.services import article_cite

    cited = []
    for ref in articles:
        raw = ref.get("id") if isinstance(ref, dict) else ref
        try:
            article_id = int(str(raw))
        except ValueError:
            raise InvalidInput(f"引用的知识库文章编号“{raw}”无效。") from None
        try:
            cited.append(article_cite(article_id))
        except NotFound:
            raise InvalidInput(f"引用的知识库文章 {article_id} 不存在或尚未发布。") from None
    return cited


def ticket_answer(
    *,
    actor: Any,
    ticket: Ticket,
    content: str,
    articles: Iterable[Any] = (),
    now: datetime | None = None,
) -> Ticket:
    """Answered directly by the agent, citing knowledge-base articles (ANSWER-1).

    Each cited article is recorded with the version that was live, so the ticket keeps the exact
    wording given even after the article changes.
    """
    _required(content, "请填写答复内容。")
    at = _now(now)
    cited = _cite(articles)
    with transaction.atomic():
        _simple(
            actor,
            ticket,
            Action.ANSWER,
            "ticket.answered",
            ["dispatch", "deferred_answer"],
            content,
            at,
            {"articles": cited},
        )
        if ticket.evaluation:  # a new direct answer (after a reopen) awaits its own evaluation
            Ticket.objects.filter(pk=ticket.pk).update(evaluation="")
            ticket.evaluation = ""
        _start_clocks(ticket, "direct_answer", at=at)
    return ticket


def ticket_defer(
    *, actor: Any, ticket: Ticket, note: str = "", now: datetime | None = None
) -> Ticket:
    """The answer cannot be settled during the call: answer later (ANSWER-2)."""
    at = _now(now)
    with transaction.atomic():
        _simple(actor, ticket, Action.DEFER, "ticket.deferred", [], note, at)
        _deadline(
            ticket,
            "deferred_answer",
            start=clock_start(ticket, "deferred_answer", at),
            calendar=calendar_current(),
        )
    return ticket


def ticket_review(
    *, actor: Any, ticket: Ticket, note: str = "", now: datetime | None = None
) -> Ticket:
    """Reviewed by the centre before dispatch (DISPATCH-2)."""
    at = _now(now)
    with transaction.atomic():
        _simple(actor, ticket, Action.REVIEW, "ticket.reviewed", [], note, at)
        _start_clocks(ticket, "review", at=at)
    return ticket


def ticket_return(
    *,
    actor: Any,
    ticket: Ticket,
    reason: str = "",
    basis: str = "",
    ground: str = "",
    now: datetime | None = None,
) -> Ticket:
    """The unit returns a ticket that is not its business (HANDLE-3, A29).

    What is required follows the profile: a reason where ``requires_reason``, a basis only
    where ``requires_basis`` (QLH; SH, TJ, ZJ ask a reason only), one of ``grounds`` where
    ``ground_required`` (QLH's two grounds, T2(c)). After the return window closes the return
    is refused with the window's end and basis. The return counts against the unit.
    """
    at = _now(now)
    ground_text = return_check(ticket, reason=reason, basis=basis, ground=ground, at=at)
    reason, basis = reason.strip(), basis.strip()
    with transaction.atomic():
        _simple(
            actor,
            ticket,
            Action.RETURN,
            "ticket.returned",
            list(UNIT_CLOCKS),
            reason,
            at,
            {"reason": reason, "basis": basis, "ground": ground, "ground_text": ground_text},
        )
        ticket.assignments.filter(active=True, role=Assignment.Role.LEAD).update(
            returned_at=at, return_ground=ground
        )
        ticket.assignments.filter(active=True).update(active=False)
        lead_known(ticket, None)
        _meet(ticket, ["assist"], at)  # the assisting units' part ends with the return
        notice_request(
            topic="ticket.returned",
            title=f"工单 {ticket.number} 被退回，待重新派单",
            body="；".join(
                part
                for part in (
                    f"退回情形：{ground_text}" if ground_text else "",
                    f"理由：{reason}" if reason else "",
                    f"依据：{basis}" if basis else "",
                )
                if part
            ),
            ticket=ticket,
            at=at,
        )
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
    _check(actor, ticket, Action.EXPLAIN, at=at)
    _reply_blockers(ticket)
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
        _start_clocks(ticket, "result", at=at)
    return ticket


def ticket_escalate(
    *, actor: Any, ticket: Ticket, note: str = "", now: datetime | None = None
) -> Ticket:
    """Escalated to the unit's head (HANDLE-7)."""
    with transaction.atomic():
        return _simple(actor, ticket, Action.ESCALATE, "ticket.escalated", [], note, _now(now))


def ticket_callback(
    *,
    actor: Any,
    ticket: Ticket,
    result: str,
    note: str = "",
    solved: bool | None = None,
    contacted_in_time: bool | None = None,
    now: datetime | None = None,
) -> Ticket:
    """Record the callback's result (CALLBACK-2, A19): satisfaction, whether the matter was
    solved and whether the unit contacted the citizen in time, as the citizen says.

    A satisfied or basically satisfied result closes a replied ticket in the same step where
    the profile's ``callback.close_on_satisfied`` allows it. What a dissatisfied result
    triggers (CALLBACK-3, C2) is the ``callbacks`` and ``supervision`` apps' reaction to the
    ``ticket.called_back`` event.
    """
    if result not in CALLBACK_RESULTS:
        raise InvalidInput(f"回访结果“{result}”无效，应为：{'、'.join(CALLBACK_RESULTS)}。")
    reached = result != "unreached"
    meets = ["callback"] if reached else []
    payload: dict[str, Any] = {
        "result": result,
        "solved": solved if reached else None,
        "contacted_in_time": contacted_in_time if reached else None,
    }
    at = _now(now)
    with transaction.atomic():
        old = ticket.state
        _simple(
            actor, ticket, Action.CALLBACK, "ticket.called_back", meets, note, at, payload, result
        )
        if (
            old == State.REPLIED.value
            and ticket.state == State.CALLED_BACK.value
            and load_profile(ticket.profile).callback.close_on_satisfied
        ):
            ticket_close(actor=actor, ticket=ticket, note=note, now=at)
    return ticket


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
        _start_clocks(ticket, "close", at=at)
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
        _start_clocks(ticket, "registration", at=at)
    return ticket


def ticket_archive(*, actor: Any, ticket: Ticket, now: datetime | None = None) -> Ticket:
    """Archive a finished ticket."""
    with transaction.atomic():
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
    moved_events: list[TicketEvent] = []
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
            due_at=answer.due_at,
            warn_at=warn_at(ticket.profile, deadline.start_at, answer.due_at),
            provisional=answer.provisional,
        )
        moved_events.append(
            TicketEvent(
                ticket=ticket,
                at=at,
                action="ticket.deadline.moved",
                from_state=ticket.state,
                to_state=ticket.state,
                note="节假日安排更新，时限重新计算",
                payload={
                    "deadline": deadline.pk,
                    "kind": deadline.kind,
                    "old_due_at": deadline.due_at.isoformat() if deadline.due_at else None,
                    "new_due_at": answer.due_at.isoformat() if answer.due_at else None,
                },
            )
        )
    events_record(moved_events)
    return len(moved_events)


def _move_deadline(deadline: Deadline, new_due: datetime, *, reason: str, at: datetime) -> None:
    """Move a deadline, keeping its history (SLA-6); its lights start over."""
    DeadlineChange.objects.create(
        deadline=deadline, at=at, old_due_at=deadline.due_at, new_due_at=new_due, reason=reason
    )
    deadline.due_at = new_due
    deadline.warn_at = warn_at(deadline.ticket.profile, deadline.start_at, new_due)
    deadline.warned_at = None
    deadline.breached_at = None
    deadline.save(update_fields=["due_at", "warn_at", "warned_at", "breached_at"])


def ticket_extension_request(
    *,
    actor: Any,
    ticket: Ticket,
    until: datetime,
    reason: str,
    basis: str = "",
    now: datetime | None = None,
) -> ExtensionRequest:
    """The lead unit asks for more time before its reply deadline (HANDLE-5, A6)."""
    at = _now(now)
    profile = load_profile(ticket.profile)
    _check(actor, ticket, Action.EXTENSION_REQUEST, at=at)
    if profile.extension.requires_reason:
        _required(reason, "请填写延期理由。")
    if profile.extension.requires_basis:
        _required(basis, "请填写延期依据。")
    if until.tzinfo is None:
        raise InvalidInput("申请的新时限须带时区，例如 2026-12-01T00:00:00+08:00。")
    reply = _open_reply(ticket)
    if reply is None or reply.due_at is None:
        raise DomainError("该工单没有可延期的办理时限。", code="no_deadline", status=409)
    if until <= reply.due_at:
        raise InvalidInput("申请的新时限须晚于当前办理时限。")
    if profile.extension.cap == "one_period":
        cap = deadline_answer(
            profile=ticket.profile,
            clock="reply",
            category=ticket.category,
            complex=ticket.complex,
            urgent=ticket.urgent,
            start=reply.due_at,
            calendar=calendar_current(),
        ).due_at
        if cap is not None and until > cap:
            raise InvalidInput(
                f"延期最多再加一个办理时限，即不晚于 {timezone.localtime(cap):%Y-%m-%d %H:%M}。"
            )
    if ticket.extensions.filter(status=ExtensionRequest.Status.PENDING).exists():
        raise DomainError("该工单已有待审批的延期申请。", code="extension_pending", status=409)
    lead = ticket.assignments.get(active=True, role=Assignment.Role.LEAD)
    with transaction.atomic():
        old = _move(ticket, State(ticket.state))  # bumps the version: one winner
        request = ExtensionRequest.objects.create(
            ticket=ticket,
            deadline=reply,
            unit=lead.unit,
            requested_by=actor,
            requested_at=at,
            until=until,
            reason=reason.strip(),
            basis=basis.strip(),
        )
        _event(
            ticket,
            actor=actor,
            action="ticket.extension.requested",
            old=old,
            note=reason.strip(),
            at=at,
            payload={
                "extension": request.pk,
                "until": until.isoformat(),
                "due_at": reply.due_at.isoformat(),
                "basis": basis.strip(),
            },
        )
    return request


def ticket_extension_decide(
    *,
    actor: Any,
    ticket: Ticket,
    extension_id: int,
    decision: str,
    until: datetime | None = None,
    note: str = "",
    now: datetime | None = None,
) -> ExtensionRequest:
    """The centre approves (possibly with another deadline) or refuses an extension (HANDLE-5).

    On approval the reply deadline moves (its history kept, SLA-6) and whoever the profile
    names tells the citizen the new deadline.
    """
    at = _now(now)
    if decision not in ("approved", "refused"):
        raise InvalidInput("审批结果应为 approved（同意）或 refused（不同意）。")
    request = ticket.extensions.filter(pk=extension_id).first()
    if request is None:
        raise NotFound("延期申请不存在。")
    _check(actor, ticket, Action.EXTENSION_DECIDE, outcome=decision, at=at)
    if request.status != ExtensionRequest.Status.PENDING:
        raise DomainError("该延期申请已审批。", code="extension_decided", status=409)
    if decision == "refused" and not note.strip():
        raise InvalidInput("不同意延期时请填写理由。")
    new_due = until or request.until
    if until is not None and until.tzinfo is None:
        raise InvalidInput("新时限须带时区，例如 2026-12-01T00:00:00+08:00。")
    profile = load_profile(ticket.profile)
    tells = profile.extension.tells_citizen or "unit"
    with transaction.atomic():
        old = _move(ticket, State(ticket.state))
        updated = ExtensionRequest.objects.filter(
            pk=request.pk, status=ExtensionRequest.Status.PENDING
        ).update(
            status=decision,
            decided_by=actor,
            decided_at=at,
            decided_until=new_due if decision == "approved" else None,
            decision_note=note.strip(),
        )
        if not updated:
            raise Conflict()
        request.refresh_from_db()
        payload: dict[str, Any] = {"extension": request.pk, "outcome": decision}
        if decision == "approved":
            deadline = Deadline.objects.select_related("ticket").get(pk=request.deadline_id)
            if deadline.met_at is not None:
                raise DomainError("该办理时限已完成，无需延期。", code="deadline_met", status=409)
            if deadline.due_at is not None and new_due <= deadline.due_at:
                raise InvalidInput("新时限须晚于当前办理时限。")
            payload.update(
                old_due_at=deadline.due_at.isoformat() if deadline.due_at else None,
                new_due_at=new_due.isoformat(),
                citizen_told_by=tells,
            )
            _move_deadline(deadline, new_due, reason="extension", at=at)
            notice = citizen_notice_open(ticket, request, new_due=new_due, at=at)
            payload["citizen_notice"] = notice.pk
        _event(
            ticket,
            actor=actor,
            action=f"ticket.extension.{decision}",
            old=old,
            note=note.strip(),
            at=at,
            payload=payload,
        )
    return request


#: Timeline event codes that are lifecycle actions, for rebuilding the state from events.
EVENT_ACTIONS: dict[str, Action] = {
    "ticket.registered": Action.REGISTER,
    "ticket.rejected": Action.REJECT,
    "ticket.answered": Action.ANSWER,
    "ticket.deferred": Action.DEFER,
    "ticket.reviewed": Action.REVIEW,
    "ticket.dispatched": Action.DISPATCH,
    "ticket.signed": Action.SIGN,
    "ticket.contacted": Action.CONTACT,
    "ticket.returned": Action.RETURN,
    "ticket.redispatched": Action.REDISPATCH,
    "ticket.extension.requested": Action.EXTENSION_REQUEST,
    "ticket.extension.approved": Action.EXTENSION_DECIDE,
    "ticket.extension.refused": Action.EXTENSION_DECIDE,
    "ticket.explained": Action.EXPLAIN,
    "ticket.escalated": Action.ESCALATE,
    "ticket.replied": Action.REPLY,
    "ticket.called_back": Action.CALLBACK,
    "ticket.redo": Action.REDO,
    "ticket.closed": Action.CLOSE,
    "ticket.transferred": Action.TRANSFER,
    "ticket.reopened": Action.REOPEN,
    "ticket.archived": Action.ARCHIVE,
    "ticket.liaison.called": Action.LIAISON_CALL,
    "ticket.assist.signed": Action.ASSIST_SIGN,
    "ticket.assist.submitted": Action.ASSIST_SUBMIT,
    "ticket.assist.waived": Action.ASSIST_WAIVE,
    "ticket.escalation.flagged": Action.ESCALATION_FLAG,
    "ticket.reclassify.requested": Action.RECLASSIFY_REQUEST,
    "ticket.reclassify.approved": Action.RECLASSIFY_DECIDE,
    "ticket.reclassify.refused": Action.RECLASSIFY_DECIDE,
    "ticket.event.flagged": Action.EVENT_FLAG,
    "ticket.event.reported": Action.EVENT_REPORT,
    "ticket.navigated": Action.NAVIGATE,
    "ticket.evaluated": Action.EVALUATE,
}


def ticket_state_from_events(ticket: Ticket) -> State | None:
    """Rebuild the ticket's state from its timeline (the events are the record)."""
    steps = [
        (EVENT_ACTIONS[event.action], event.payload.get("result") or event.payload.get("outcome"))
        for event in ticket.events.order_by("at", "id")
        if event.action in EVENT_ACTIONS
    ]
    return replay(steps)


def ticket_actions_for(actor: Any, ticket: Ticket, now: datetime | None = None) -> list[str]:
    """Return the actions ``actor`` may take on ``ticket`` now (for the UI and the API)."""
    state = State(ticket.state)
    options = _options(ticket, now)
    relation = _relation(actor, ticket)
    roles = actor.role_codes()
    found = []
    for action in allowed_actions(state):
        try:
            transition_check(
                state=state, action=action, roles=roles, relation=relation, options=options
            )
        except TicketTransitionError as exc:
            if exc.code != "invalid_outcome":
                continue
        found.append(action.value)
    if citizen_notice_for(actor, ticket) is not None:
        found.append(TELL_CITIZEN)
    return _actions_part2_filter(actor, ticket, found)


# ----------------------------------------------------------------------------- issue 12, part 2
# Rules that were profile data only: urgent tickets (DISPATCH-3), lead and assisting units
# (DISPATCH-4), matters for the unit's head (HANDLE-7), reclassification (A7) and the report
# of a major sudden event (SH 第十五条, PUBLISH-3).

#: Who hears of what is reported to the centre's management (DISPATCH-3, SH 第十五条).
MANAGEMENT_ROLES = ("supervisor", "centre_admin")
#: The clock of an assisting unit's contribution (DISPATCH-4, A32); not a profile clock.
ASSIST_CLOCK = "assist"
#: The event-report clocks (SH 第十五条, A17).
EVENT_CLOCKS = ("event_report", "event_followup")


def _assists_open(ticket: Ticket) -> Any:
    """Return the active assisting assignments with neither contribution nor waiver."""
    return ticket.assignments.filter(
        active=True, role=Assignment.Role.ASSIST, contributed_at__isnull=True, waived_reason=""
    )


def _assist_of(actor: Any, ticket: Ticket) -> Assignment | None:
    """Return the actor's unit's active assisting assignment on ``ticket``, if any."""
    if getattr(actor, "unit", None) is None:
        return None
    for assignment in ticket.assignments.filter(
        active=True, role=Assignment.Role.ASSIST
    ).select_related("unit"):
        if assignment.unit_id == actor.unit_id:
            return assignment
        if actor.can("unit.subunits") and assignment.unit.path.startswith(actor.unit.path):
            return assignment
    return None


def _lead(ticket: Ticket) -> Assignment | None:
    """Return the active lead assignment with its unit, read once per ticket version."""
    return lead_of(ticket)


def _has_limit(profile: Profile, clock: str) -> bool:
    return any(str(rule.unit) != "none" for rule in profile.clock(clock).rules)


def _reclassify_open(ticket: Ticket, profile: Profile, moment: datetime) -> bool:
    """A7: the profile has a longer complex limit for this ticket, it is not complex yet, no
    request is pending, and the lead unit's first-contact deadline has not passed."""
    if ticket.complex or not distinguishes_complex(profile):
        return False
    clock = profile.clock("reply")
    group = profile.group_of(ticket.category)
    if clock.rule_for(group, complex=True, urgent=ticket.urgent) == clock.rule_for(
        group, complex=False, urgent=ticket.urgent
    ):
        return False
    if ticket.reclassifications.filter(status=ReclassificationRequest.Status.PENDING).exists():
        return False
    lead = _lead(ticket)
    if lead is None:
        return False
    first = ticket.deadlines.filter(assignment=lead, kind="first_contact").first()
    if first is not None and first.due_at is not None and first.due_at > first.start_at:
        return moment < first.due_at
    return True


def _options_part2(
    ticket: Ticket | None, profile: Profile, moment: datetime, action: Action | None
) -> dict[str, bool]:
    """Return the part-2 options of ``Options`` (looked up only for ``action``, or all)."""
    if ticket is None:
        return {}

    def wanted(*actions: Action) -> bool:
        return action is None or action in actions

    found: dict[str, bool] = {}
    if wanted(Action.LIAISON_CALL):
        found["liaison_call"] = ticket.urgent and profile.urgent.phone_liaison
    if wanted(Action.ASSIST_WAIVE):
        found["assist_open"] = _assists_open(ticket).exists()
    if wanted(Action.ESCALATION_FLAG):
        found["escalation_kinds"] = bool(escalation_kinds(profile))
    if wanted(Action.RECLASSIFY_REQUEST):
        found["reclassify_open"] = _reclassify_open(ticket, profile, moment)
    if wanted(Action.RECLASSIFY_DECIDE):
        found["reclassify_pending"] = ticket.reclassifications.filter(
            status=ReclassificationRequest.Status.PENDING
        ).exists()
    if wanted(Action.EVENT_FLAG):
        found["event_clocks"] = ticket.event_at is None and any(
            _has_limit(profile, clock) for clock in EVENT_CLOCKS
        )
    if wanted(Action.EVENT_REPORT):
        found["event_flagged"] = (
            ticket.event_at is not None
            and ticket.deadlines.filter(kind__in=EVENT_CLOCKS, met_at__isnull=True).exists()
        )
    return found


def reply_blocked_by(ticket: Ticket) -> str:
    """Return why the lead's reply must wait now (HANDLE-7, DISPATCH-4), or ``""``."""
    try:
        _reply_blockers(ticket)
    except DomainError as exc:
        return exc.message
    return ""


def _actions_part2_filter(actor: Any, ticket: Ticket, found: list[str]) -> list[str]:
    """Drop the reply while it must wait, and the assisting actions this actor's own
    assignment has already done."""
    waiting = {Action.REPLY.value, Action.EXPLAIN.value} & set(found)
    if waiting and reply_blocked_by(ticket):
        found = [a for a in found if a not in waiting]
    if not {Action.ASSIST_SIGN.value, Action.ASSIST_SUBMIT.value} & set(found):
        return found
    mine = _assist_of(actor, ticket)
    done = mine is None or mine.contributed_at is not None or bool(mine.waived_reason)
    drop = set()
    if done or (mine is not None and mine.signed_at is not None):
        drop.add(Action.ASSIST_SIGN.value)
    if done or (mine is not None and mine.signed_at is None):
        drop.add(Action.ASSIST_SUBMIT.value)
    return [a for a in found if a not in drop]


def _escalation_codes(profile: Profile, codes: Iterable[str]) -> list[str]:
    """Return the HANDLE-7 kinds ``codes``, checked against the profile, sorted and unique."""
    wanted = sorted({c.strip() for c in codes if c and c.strip()})
    if not wanted:
        return []
    known = {item.code for item in escalation_kinds(profile)}
    if not known:
        raise InvalidInput("本平台未规定须报单位负责人研究解决的事项（HANDLE-7）。")
    unknown = [c for c in wanted if c not in known]
    if unknown:
        raise InvalidInput(
            f"须报单位负责人的事项“{'、'.join(unknown)}”无效，应为：{'、'.join(sorted(known))}。"
        )
    return wanted


def _assisting_check(ticket: Ticket, unit_code: str, assisting: list[str]) -> None:
    """DISPATCH-4: assisting units are distinct, not the lead, and the profile allows them."""
    if not assisting:
        return
    if not load_profile(ticket.profile).assisting.allowed:
        raise InvalidInput("本平台不设协办单位。")
    if unit_code in assisting:
        raise InvalidInput("主办单位不能同时是协办单位。")
    if len(set(assisting)) != len(assisting):
        raise InvalidInput("协办单位不能重复。")


def _assist_due(
    ticket: Ticket, profile: Profile, start: datetime, calendar: WorkCalendar
) -> tuple[datetime | None, str, str, int | None]:
    """Return (due, basis, unit, length) of an assisting unit's contribution (A32).

    The profile's own limit, never later than the lead's reply deadline; the lead's reply
    deadline where the profile sets none.
    """
    reply = _open_reply(ticket)
    reply_due = reply.due_at if reply is not None else None
    rule = profile.assisting.deadline
    if rule is not None:
        due = compute_due(start, rule.limit(), calendar).due_at
        if due is not None and (reply_due is None or due <= reply_due):
            return due, rule.basis, str(rule.unit), rule.length
    if reply is not None and reply_due is not None:
        return reply_due, reply.basis, "lead_reply", None
    return None, "", "none", None


def _dispatch_part2(
    ticket: Ticket,
    *,
    actor: Any,
    action: Action,
    at: datetime,
    calendar: WorkCalendar,
    assists: list[Assignment],
) -> None:
    """After a dispatch: assisting units' clocks (DISPATCH-4) and the urgent report (DISPATCH-3).

    ``assists`` are the assisting assignments the dispatch has just created (the only active
    ones: the dispatch deactivated the others), so they are not read again.
    """
    profile = load_profile(ticket.profile)
    rows = []
    for assist in assists:
        sign = _deadline_row(ticket, "sign_for", start=at, calendar=calendar, assignment=assist)
        if sign is not None:
            rows.append(sign)
        due, basis, unit, length = _assist_due(ticket, profile, at, calendar)
        if due is not None:
            rows.append(
                Deadline(
                    ticket=ticket,
                    assignment=assist,
                    kind=ASSIST_CLOCK,
                    start_at=at,
                    due_at=due,
                    warn_at=warn_at(ticket.profile, at, due),
                    basis=basis,
                    unit=unit,
                    length=length,
                )
            )
    Deadline.objects.bulk_create(rows)
    urgent = profile.urgent
    if (
        ticket.urgent
        and urgent.report_to_management
        and action in (Action.DISPATCH, Action.REDISPATCH)
        and not ticket.events.filter(action="ticket.urgent.reported").exists()
    ):
        lead = _lead(ticket)
        unit_name = lead.unit.name if lead else ""
        _event(
            ticket,
            actor=actor,
            action="ticket.urgent.reported",
            old=ticket.state,
            note=f"紧急事项已派{unit_name}，报{urgent.management_label}",
            at=at,
            payload={"to": urgent.management_label, "basis": urgent.basis},
        )
        notice_request(
            topic="ticket.urgent.reported",
            title=f"紧急工单 {ticket.number} 已立即派{unit_name}（报{urgent.management_label}）",
            body=ticket.content[:200],
            ticket=ticket,
            payload={"roles": list(MANAGEMENT_ROLES), "basis": urgent.basis},
            at=at,
        )


def _reply_blockers(ticket: Ticket) -> None:
    """Refuse a reply that must wait: HANDLE-7 escalation first, DISPATCH-4 contributions."""
    if ticket.escalation and not ticket.events.filter(action="ticket.escalated").exists():
        raise DomainError(
            "该工单须报本单位主要负责人研究解决（HANDLE-7），请先记录报告情况再答复。",
            code="escalation_required",
            status=409,
        )
    if load_profile(ticket.profile).assisting.lead_waits:
        waiting = [a.unit.name for a in _assists_open(ticket).select_related("unit")]
        if waiting:
            raise DomainError(
                f"协办单位尚未提交意见：{'、'.join(waiting)}。请等待，或记录不等其意见的理由。",
                code="assist_pending",
                status=409,
            )


def _lock(ticket: Ticket) -> str:
    """Bump the version of a ticket whose state stays (one winner per change)."""
    return _move(ticket, State(ticket.state))


def ticket_liaison_call(
    *,
    actor: Any,
    ticket: Ticket,
    liaison_id: int | None = None,
    reached: bool = True,
    note: str = "",
    now: datetime | None = None,
) -> Ticket:
    """Record the agent's call to the lead unit's liaison about an urgent ticket (DISPATCH-3).

    ``liaison_id`` defaults to the unit's primary liaison; a unit without liaisons is called on
    its duty phone.
    """
    at = _now(now)
    _check(actor, ticket, Action.LIAISON_CALL, at=at)
    lead = _lead(ticket)
    if lead is None:
        raise DomainError("该工单没有承办单位。", code="no_lead_unit", status=409)
    liaisons = list(lead.unit.liaisons.all())
    if liaison_id is not None:
        liaison = next((x for x in liaisons if x.pk == liaison_id), None)
        if liaison is None:
            raise InvalidInput("该联络人不属于承办单位。")
        who, phone = liaison.name, liaison.phone
    elif liaisons:
        who, phone = liaisons[0].name, liaisons[0].phone
    else:
        who, phone = lead.unit.name, lead.unit.phone
    with transaction.atomic():
        old = _lock(ticket)
        _event(
            ticket,
            actor=actor,
            action="ticket.liaison.called",
            old=old,
            note=note.strip(),
            at=at,
            payload={"unit": lead.unit.code, "liaison": who, "phone": phone, "reached": reached},
        )
    return ticket


def ticket_assist_sign(*, actor: Any, ticket: Ticket, now: datetime | None = None) -> Ticket:
    """An assisting unit signs for its part of the ticket (DISPATCH-4, HANDLE-2)."""
    at = _now(now)
    _check(actor, ticket, Action.ASSIST_SIGN, at=at)
    mine = _assist_of(actor, ticket)
    if mine is None:  # kept for the type checker: the relation check found it
        raise DomainError("您的单位不是该工单的协办单位。", code="unit_not_allowed", status=403)
    if mine.signed_at is not None:
        raise DomainError("您的单位已签收。", code="assist_signed", status=409)
    with transaction.atomic():
        old = _lock(ticket)
        Assignment.objects.filter(pk=mine.pk).update(signed_at=at)
        mine.deadlines.filter(kind="sign_for", met_at__isnull=True).update(met_at=at)
        _event(
            ticket,
            actor=actor,
            action="ticket.assist.signed",
            old=old,
            at=at,
            payload={"unit": mine.unit.code},
        )
    return ticket


def ticket_assist_submit(
    *, actor: Any, ticket: Ticket, content: str, now: datetime | None = None
) -> Ticket:
    """An assisting unit sends its contribution to the lead unit (DISPATCH-4, A32)."""
    _required(content, "请填写协办意见。")
    at = _now(now)
    _check(actor, ticket, Action.ASSIST_SUBMIT, at=at)
    mine = _assist_of(actor, ticket)
    if mine is None:
        raise DomainError("您的单位不是该工单的协办单位。", code="unit_not_allowed", status=403)
    if mine.signed_at is None:
        raise DomainError("请先签收再提交协办意见。", code="assist_not_signed", status=409)
    if mine.contributed_at is not None or mine.waived_reason:
        raise DomainError("协办意见已提交或主办单位已不再等待。", code="assist_done", status=409)
    lead = _lead(ticket)
    with transaction.atomic():
        old = _lock(ticket)
        Assignment.objects.filter(pk=mine.pk).update(
            contributed_at=at, contribution=content.strip()
        )
        mine.deadlines.filter(kind=ASSIST_CLOCK, met_at__isnull=True).update(met_at=at)
        _event(
            ticket,
            actor=actor,
            action="ticket.assist.submitted",
            old=old,
            note=content.strip(),
            at=at,
            payload={"unit": mine.unit.code},
        )
        notice_request(
            topic="ticket.assist.submitted",
            title=f"工单 {ticket.number}：{mine.unit.name}已提交协办意见",
            body=content.strip()[:500],
            unit=lead.unit if lead else None,
            ticket=ticket,
            at=at,
        )
    return ticket


def ticket_assist_waive(
    *,
    actor: Any,
    ticket: Ticket,
    unit_code: str,
    reason: str,
    now: datetime | None = None,
) -> Ticket:
    """The lead unit records why it replies without an assisting unit's contribution."""
    _required(reason, "请填写不等协办意见的理由。")
    at = _now(now)
    _check(actor, ticket, Action.ASSIST_WAIVE, at=at)
    assist = _assists_open(ticket).select_related("unit").filter(unit__code=unit_code).first()
    if assist is None:
        raise InvalidInput(f"“{unit_code}”不是尚未提交意见的协办单位。")
    with transaction.atomic():
        old = _lock(ticket)
        Assignment.objects.filter(pk=assist.pk).update(waived_reason=reason.strip())
        assist.deadlines.filter(met_at__isnull=True).update(met_at=at)
        _event(
            ticket,
            actor=actor,
            action="ticket.assist.waived",
            old=old,
            note=reason.strip(),
            at=at,
            payload={"unit": assist.unit.code},
        )
        notice_request(
            topic="ticket.assist.waived",
            title=f"工单 {ticket.number}：主办单位不再等待贵单位的协办意见",
            body=reason.strip(),
            unit=assist.unit,
            ticket=ticket,
            at=at,
        )
    return ticket


def ticket_escalation_flag(
    *, actor: Any, ticket: Ticket, kinds: Iterable[str], note: str = "", now: datetime | None = None
) -> Ticket:
    """Flag a ticket as a matter the unit must take to its head (HANDLE-7, TJ 第二十条).

    The centre flags it before the unit handles it, or the lead unit does; the reply then
    waits until the escalation is recorded (``ticket_escalate``).
    """
    at = _now(now)
    _check(actor, ticket, Action.ESCALATION_FLAG, at=at)
    codes = _escalation_codes(load_profile(ticket.profile), kinds)
    if not codes:
        raise InvalidInput("请选择须报单位负责人研究解决的事项类型。")
    merged = sorted(set(ticket.escalation) | set(codes))
    with transaction.atomic():
        old = _lock(ticket)
        Ticket.objects.filter(pk=ticket.pk).update(escalation=merged)
        ticket.escalation = merged
        _event(
            ticket,
            actor=actor,
            action="ticket.escalation.flagged",
            old=old,
            note=note.strip(),
            at=at,
            payload={"kinds": codes},
        )
        lead = _lead(ticket)
        if lead is not None and actor.is_centre_staff:
            notice_request(
                topic="ticket.escalation.flagged",
                title=f"工单 {ticket.number} 须报本单位主要负责人研究解决",
                body=note.strip(),
                unit=lead.unit,
                ticket=ticket,
                at=at,
            )
    return ticket


def ticket_reclassify_request(
    *, actor: Any, ticket: Ticket, reason: str, now: datetime | None = None
) -> ReclassificationRequest:
    """The lead unit asks to treat the matter as complex, before first contact is due (A7)."""
    _required(reason, "请填写申请改为复杂事项的理由。")
    at = _now(now)
    _check(actor, ticket, Action.RECLASSIFY_REQUEST, at=at)
    lead = _lead(ticket)
    if lead is None:  # kept for the type checker: the option needs a lead
        raise DomainError("该工单没有承办单位。", code="no_lead_unit", status=409)
    with transaction.atomic():
        old = _lock(ticket)
        request = ReclassificationRequest.objects.create(
            ticket=ticket,
            unit=lead.unit,
            requested_by=actor,
            requested_at=at,
            reason=reason.strip(),
        )
        _event(
            ticket,
            actor=actor,
            action="ticket.reclassify.requested",
            old=old,
            note=reason.strip(),
            at=at,
            payload={"reclassification": request.pk},
        )
        notice_request(
            topic="ticket.reclassify.requested",
            title=f"工单 {ticket.number} 申请改为复杂事项，待审批",
            body=f"{lead.unit.name}：{reason.strip()}",
            ticket=ticket,
            at=at,
        )
    return request


def ticket_reclassify_decide(
    *,
    actor: Any,
    ticket: Ticket,
    decision: str,
    note: str = "",
    now: datetime | None = None,
) -> ReclassificationRequest:
    """The centre approves or refuses a reclassification (A7).

    On approval the ticket becomes complex and the lead's reply deadline is recomputed from
    its original receipt time, its history kept (SLA-6); an explicit statutory or promised
    deadline (A8) stays as it is.
    """
    at = _now(now)
    if decision not in ("approved", "refused"):
        raise InvalidInput("审批结果应为 approved（同意）或 refused（不同意）。")
    _check(actor, ticket, Action.RECLASSIFY_DECIDE, outcome=decision, at=at)
    if decision == "refused" and not note.strip():
        raise InvalidInput("不同意时请填写理由。")
    request = ticket.reclassifications.get(status=ReclassificationRequest.Status.PENDING)
    with transaction.atomic():
        old = _lock(ticket)
        updated = ReclassificationRequest.objects.filter(
            pk=request.pk, status=ReclassificationRequest.Status.PENDING
        ).update(status=decision, decided_by=actor, decided_at=at, decision_note=note.strip())
        if not updated:
            raise Conflict()
        request.refresh_from_db()
        payload: dict[str, Any] = {"reclassification": request.pk, "outcome": decision}
        if decision == "approved":
            Ticket.objects.filter(pk=ticket.pk).update(complex=True)
            ticket.complex = True
            reply = _open_reply(ticket)
            if reply is not None and reply.unit != "explicit":
                answer = deadline_answer(
                    profile=ticket.profile,
                    clock="reply",
                    category=ticket.category,
                    complex=True,
                    urgent=ticket.urgent,
                    start=reply.start_at,
                    calendar=calendar_current(),
                )
                if answer.due_at is not None and answer.due_at != reply.due_at:
                    payload.update(
                        old_due_at=reply.due_at.isoformat() if reply.due_at else None,
                        new_due_at=answer.due_at.isoformat(),
                    )
                    _move_deadline(reply, answer.due_at, reason="reclassified", at=at)
                    Deadline.objects.filter(pk=reply.pk).update(
                        basis=answer.basis, unit=str(answer.unit), length=answer.length
                    )
        _event(
            ticket,
            actor=actor,
            action=f"ticket.reclassify.{decision}",
            old=old,
            note=note.strip(),
            at=at,
            payload=payload,
        )
        notice_request(
            topic=f"ticket.reclassify.{decision}",
            title=(
                f"工单 {ticket.number} 已改为复杂事项"
                if decision == "approved"
                else f"工单 {ticket.number} 改为复杂事项的申请未获同意"
            ),
            body=note.strip(),
            unit=request.unit,
            ticket=ticket,
            at=at,
        )
    return request


def ticket_event_flag(
    *,
    actor: Any,
    ticket: Ticket,
    event_at: datetime | None = None,
    note: str = "",
    now: datetime | None = None,
) -> Ticket:
    """The lead unit flags a major sudden event; its report clocks start (SH 第十五条, A17).

    ``event_at`` is when the event happened; when unknown, the time the unit learned of it
    (now). The oral report (``event_report``) and the written follow-up (``event_followup``)
    are due from it as the profile says.
    """
    _required(note, "请简要说明突发事项。")
    at = _now(now)
    when = event_at or at
    if when.tzinfo is None:
        raise InvalidInput("事发时间须带时区，例如 2026-12-01T09:00:00+08:00。")
    if when > at:
        raise InvalidInput("事发时间不能晚于现在。")
    _check(actor, ticket, Action.EVENT_FLAG, at=at)
    lead = _lead(ticket)
    profile = load_profile(ticket.profile)
    calendar = calendar_current()
    with transaction.atomic():
        old = _lock(ticket)
        Ticket.objects.filter(pk=ticket.pk).update(event_at=when)
        ticket.event_at = when
        for clock in EVENT_CLOCKS:
            _deadline(ticket, clock, start=when, calendar=calendar, assignment=lead)
        _event(
            ticket,
            actor=actor,
            action="ticket.event.flagged",
            old=old,
            note=note.strip(),
            at=at,
            payload={"event_at": when.isoformat()},
        )
        notice_request(
            topic="ticket.event.flagged",
            title=f"工单 {ticket.number} 涉及重大突发事项（报{profile.urgent.management_label}）",
            body=note.strip(),
            ticket=ticket,
            payload={"roles": list(MANAGEMENT_ROLES)},
            at=at,
        )
    return ticket


def ticket_event_report(
    *, actor: Any, ticket: Ticket, kind: str, note: str, now: datetime | None = None
) -> Ticket:
    """Record the oral report or the written follow-up of a sudden event (SH 第十五条)."""
    if kind not in EVENT_REPORT_KINDS:
        raise InvalidInput("报告方式应为 oral（口头报告）或 written（书面续报）。")
    _required(note, "请填写报告内容。")
    at = _now(now)
    _check(actor, ticket, Action.EVENT_REPORT, outcome=kind, at=at)
    clock = "event_report" if kind == "oral" else "event_followup"
    if ticket.events.filter(action="ticket.event.reported", payload__outcome=kind).exists():
        raise DomainError("该报告已记录。", code="event_report_recorded", status=409)
    with transaction.atomic():
        old = _lock(ticket)
        _meet(ticket, [clock], at)
        _event(
            ticket,
            actor=actor,
            action="ticket.event.reported",
            old=old,
            note=note.strip(),
            at=at,
            payload={"outcome": kind},
        )
        notice_request(
            topic="ticket.event.reported",
            title=f"工单 {ticket.number} 突发事项{'口头报告' if kind == 'oral' else '书面续报'}",
            body=note.strip(),
            ticket=ticket,
            payload={"roles": list(MANAGEMENT_ROLES)},
            at=at,
        )
    return ticket


# ----------------------------------------------------------------------------- issue 12
# Every rule of a profile applied: clocks started by what the profile says starts them, the
# return window that is not a deadline, the citizen told of an extension, the evaluation of a
# direct answer, navigation help, and returns counted per unit.

#: How each dispatch makes the lead unit's assignment (HANDLE-3, A15: 重复派遣).
DISPATCH_KINDS: dict[Action, str] = {
    Action.DISPATCH: DispatchKind.DISPATCH,
    Action.REDISPATCH: DispatchKind.REDISPATCH,
    Action.REDO: DispatchKind.REDO,
}

#: The action code of recording that the citizen was told of an extension (not a state change).
TELL_CITIZEN = "tell_citizen"

#: Which lifecycle event each ``starts`` of a profile's clock is. The candidates of an event
#: are the clocks it may start; a clock starts there only if its ``starts`` maps to the event.
_START_EVENTS: dict[str, str] = {
    "registration": "registration",
    "call": "registration",  # the call is registered while it lasts
    "review": "review",
    "direct_answer": "direct_answer",
    "reply": "result",
    "result_received": "result",  # the reply files the result with the centre (T5)
    "service_done": "result",  # a franchisee's report that the service is done
    "close": "close",
}
_EVENT_CLOCKS: dict[str, tuple[str, ...]] = {
    "registration": ("dispatch",),
    "review": ("dispatch",),
    "direct_answer": ("evaluation",),
    "result": ("callback", "filing"),
    "close": ("callback",),
}
#: Clocks the event that starts them also meets: the reply is filed with the centre as it is
#: given (QLH 五(四) "于当天…发回", T5), so the filing clock is met at once.
_MET_AT_START = frozenset({"filing"})


def _start_clocks(ticket: Ticket, event: str, *, at: datetime) -> list[Deadline]:
    """Create the deadlines of the clocks whose profile ``starts`` is ``event`` (issue 12)."""
    profile = load_profile(ticket.profile)
    calendar = calendar_current()
    rows = []
    for kind in _EVENT_CLOCKS[event]:
        if _START_EVENTS.get(profile.clock(kind).starts) != event:
            continue
        row = _deadline_row(ticket, kind, start=at, calendar=calendar)
        if row is None:
            continue
        if kind in _MET_AT_START:
            row.met_at = at
        row.save()
        rows.append(row)
    return rows


def clock_start(ticket: Ticket, kind: str, at: datetime) -> datetime:
    """Return the instant clock ``kind`` counts from, for a duty that arises at ``at``.

    TJ 第十七条 (T10): a deferred answer is due 1 hour after the *call*, not after the agent
    decided to defer; ``starts = "call"`` (or ``"registration"``) means the ticket's
    registration, which happens during the call.
    """
    starts = load_profile(ticket.profile).clock(kind).starts
    if starts in ("call", "registration"):
        return ticket.registered_at
    return at


def _receipt_clocks(ticket: Ticket, when: str) -> tuple[str, ...]:
    """Return the unit clocks to start at ``when`` ("dispatch" or "sign").

    The profile's ``receipt`` (A4) says when the unit receives the ticket: at dispatch
    (HANDLE-1), or when it signs for it; every clock that ``starts = "receipt"`` starts then.
    The sign-for clock itself can only count from the dispatch.
    """
    profile = load_profile(ticket.profile)
    receipt_at_dispatch = profile.profile.receipt == "dispatch"
    kinds = [k for k in UNIT_CLOCKS if profile.clock(k).starts == "receipt"]
    if when == "dispatch":
        return tuple(k for k in kinds if receipt_at_dispatch or k == "sign_for")
    return () if receipt_at_dispatch else tuple(k for k in kinds if k != "sign_for")


def _start_receipt_clocks_at_sign(ticket: Ticket, at: datetime) -> None:
    kinds = _receipt_clocks(ticket, "sign")
    if not kinds:
        return
    lead = _lead(ticket)
    if lead is None:
        raise Assignment.DoesNotExist("no active lead assignment")
    calendar = calendar_current()
    rows = [
        _deadline_row(
            ticket,
            kind,
            start=at,
            calendar=calendar,
            assignment=lead,
            explicit=lead.kind != DispatchKind.REDO,
        )
        for kind in kinds
    ]
    Deadline.objects.bulk_create([row for row in rows if row is not None])


def return_window(ticket: Ticket) -> Any:
    """Return the lead unit's return window as a ``DeadlineAnswer`` (``due_at`` None: open
    without limit), or None while no unit holds the ticket or its receipt has not happened.

    A window, not a deadline (QLH 五(二), A5, A29): it is never stored as a ``Deadline``,
    never lit, warned or breached; once it closes, a return is refused (issue 12).
    """
    lead = _lead(ticket)
    if lead is None:
        return None
    profile = load_profile(ticket.profile)
    receipt = lead.dispatched_at if profile.profile.receipt == "dispatch" else lead.signed_at
    if receipt is None or profile.clock("return").starts != "receipt":
        return None
    try:
        return deadline_answer(
            profile=ticket.profile,
            clock="return",
            category=ticket.category,
            complex=ticket.complex,
            urgent=ticket.urgent,
            start=receipt,
            calendar=calendar_current(),
        )
    except PolicyInputError:
        return None


def return_check(ticket: Ticket, *, reason: str, basis: str, ground: str, at: datetime) -> str:
    """Check a return against the profile (HANDLE-3, A29, T2); return the ground's text."""
    returns = load_profile(ticket.profile).returns
    ground_text = ""
    if ground:
        item = next((g for g in returns.grounds if g.code == ground), None)
        if item is None:
            codes = "、".join(f"{g.code}（{g.text}）" for g in returns.grounds)
            raise InvalidInput(f"退回情形“{ground}”无效，应为：{codes}。")
        ground_text = item.text
    elif returns.ground_required:
        codes = "、".join(f"{g.code}（{g.text}）" for g in returns.grounds)
        raise InvalidInput(f"请选择退回情形：{codes}。")
    if returns.requires_reason:
        _required(reason, "请填写退回理由。")
    if returns.requires_basis:
        _required(basis, "请填写退回依据。")
    if ticket.state in (State.DISPATCHED, State.SIGNED, State.IN_PROGRESS):
        window = return_window(ticket)
        if window is not None and window.due_at is not None and at >= window.due_at:
            raise DomainError(
                f"退回期限已于 {_shown(window.due_at)} 届满（{window.basis}），不能再退回；"
                "请继续办理，或申请延期、说明情况。",
                code="return_window_closed",
                status=409,
            )
    return ground_text


def _shown(moment: datetime) -> str:
    from hotline.policy.sla import display

    return display(moment)


def evaluation_missing(ticket: Ticket | None) -> bool:
    """Return whether a direct answer still lacks the evaluation its profile requires
    (ANSWER-3: ``callback.direct_answers = "evaluate_at_once"``, TJ 第二十五条)."""
    if ticket is None or ticket.state != State.ANSWERED.value or ticket.evaluation:
        return False
    return load_profile(ticket.profile).callback.direct_answers == "evaluate_at_once"


def reply_satisfaction_check(ticket: Ticket, value: str) -> str:
    """Return the citizen's satisfaction given with a reply, checked against the profile.

    QLH 五(四) (T5, HANDLE-4): "答复诉求人时,应征求诉求人对办理结果是否满意的意见" — where
    the profile's ``reply.asks_satisfaction`` is set, a reply without it is refused.
    """
    value = (value or "").strip()
    if value and value not in EVALUATION_RESULTS:
        raise InvalidInput(f"诉求人满意度“{value}”无效，应为：{'、'.join(EVALUATION_RESULTS)}。")
    reply = load_profile(ticket.profile).reply
    if not value and reply.asks_satisfaction:
        raise InvalidInput(
            f"答复时须征求并记录诉求人对办理结果是否满意（{reply.basis}）："
            f"{'、'.join(EVALUATION_RESULTS)}。"
        )
    return value


def citizen_notice_open(
    ticket: Ticket, request: ExtensionRequest, *, new_due: datetime, at: datetime
) -> CitizenNotice:
    """Give whoever the profile names a to-do: tell the citizen of the extension (HANDLE-5).

    TJ 第二十一条 (T7): the centre tells the citizen; QLH 五(四): the unit does. Where the
    profile sets ``extension.tells_citizen_within``, the to-do has its own deadline.
    """
    extension = load_profile(ticket.profile).extension
    party = extension.tells_citizen or "unit"
    deadline = None
    rule = extension.tells_citizen_within
    if rule is not None:
        due = compute_due(at, rule.limit(), calendar_current())
        if due.due_at is not None:
            deadline = Deadline.objects.create(
                ticket=ticket,
                assignment=None,
                kind=TELL_CITIZEN,
                start_at=at,
                due_at=due.due_at,
                warn_at=warn_at(ticket.profile, at, due.due_at),
                basis=due.basis,
                unit=str(due.unit),
                length=due.length,
                provisional=due.provisional,
            )
    notice = CitizenNotice.objects.create(
        ticket=ticket,
        extension=request,
        party="centre" if party in ("centre", "agent") else "unit",
        unit=request.unit if party not in ("centre", "agent") else None,
        created_at=at,
        deadline=deadline,
    )
    local = timezone.localtime(new_due)
    notice_request(
        topic="ticket.citizen_notice",
        title=f"工单 {ticket.number} 延期已同意：请告知诉求人新时限 {local:%Y-%m-%d %H:%M} 及原因",
        body=request.reason,
        unit=notice.unit,  # None: the centre's own staff (TJ 第二十一条)
        ticket=ticket,
        at=at,
    )
    return notice


def citizen_notice_for(actor: Any, ticket: Ticket) -> CitizenNotice | None:
    """Return the open "tell the citizen" to-do ``actor`` may close on ``ticket``, if any."""
    notice = ticket.citizen_notices.filter(told_at__isnull=True).order_by("id").first()
    if notice is None:
        return None
    if notice.party == "centre":
        may = actor.is_centre_staff and bool(
            {"agent", "reviewer", "supervisor"} & set(actor.role_codes())
        )
    else:
        may = bool({"unit_handler", "unit_admin"} & set(actor.role_codes())) and (
            _relation(actor, ticket) is Relation.ASSIGNED_UNIT
        )
    return notice if may else None


def ticket_tell_citizen(
    *,
    actor: Any,
    ticket: Ticket,
    how: str,
    told_at: datetime | None = None,
    told_by: str = "",
    note: str = "",
    now: datetime | None = None,
) -> CitizenNotice:
    """Record that the citizen was told of an extension: by whom, when, how (HANDLE-5, T7).

    Closes the to-do the approval gave to the party the profile names; its deadline, if any,
    is met at the moment the citizen was told.
    """
    at = _now(now)
    if how not in CitizenNotice.How.values:
        raise InvalidInput(f"告知方式“{how}”无效，应为：{'、'.join(CitizenNotice.How.values)}。")
    moment = told_at or at
    if moment.tzinfo is None:
        raise InvalidInput("告知时间须带时区，例如 2026-12-01T10:00:00+08:00。")
    if moment > at:
        raise InvalidInput("告知时间不能晚于现在。")
    pending = ticket.citizen_notices.filter(told_at__isnull=True).order_by("id").first()
    if pending is None:
        raise DomainError("该工单没有待告知诉求人的延期。", code="nothing_to_tell", status=409)
    notice = citizen_notice_for(actor, ticket)
    if notice is None:
        who = "热线中心" if pending.party == "centre" else "承办单位"
        raise DomainError(f"按本平台规定，由{who}告知诉求人。", code="not_your_notice", status=403)
    if moment < notice.created_at:
        raise InvalidInput("告知时间不能早于延期获批的时间。")
    name = told_by.strip() or getattr(actor, "full_name", "") or actor.get_username()
    with transaction.atomic():
        old = _move(ticket, State(ticket.state))  # one winner per change
        updated = CitizenNotice.objects.filter(pk=notice.pk, told_at__isnull=True).update(
            told_at=moment,
            told_by=actor,
            told_by_name=name[:64],
            how=how,
            note=note.strip(),
            recorded_at=at,
        )
        if not updated:
            raise Conflict()
        if notice.deadline_id is not None:
            Deadline.objects.filter(pk=notice.deadline_id, met_at__isnull=True).update(
                met_at=moment
            )
        _event(
            ticket,
            actor=actor,
            action="ticket.citizen_told",
            old=old,
            note=note.strip(),
            at=at,
            payload={
                "notice": notice.pk,
                "extension": notice.extension_id,
                "party": notice.party,
                "told_by": name,
                "told_at": moment.isoformat(),
                "how": how,
            },
        )
    notice.refresh_from_db()
    return notice


def ticket_navigate(
    *, actor: Any, ticket: Ticket, note: str, pointed_to: str, now: datetime | None = None
) -> Ticket:
    """Navigation help (导航, SCOPE-3, SH 第八条): the help given and where the citizen was
    pointed; the ticket ends as ``navigated``, counted apart from answers and refusals (A20)."""
    _required(note, "请填写提供的导航帮助。")
    _required(pointed_to, "请填写指引诉求人前往的渠道或单位。")
    at = _now(now)
    with transaction.atomic():
        _simple(
            actor,
            ticket,
            Action.NAVIGATE,
            "ticket.navigated",
            ["dispatch", "deferred_answer"],
            note.strip(),
            at,
            {"pointed_to": pointed_to.strip()},
        )
    return ticket


def ticket_evaluate(
    *, actor: Any, ticket: Ticket, result: str, note: str = "", now: datetime | None = None
) -> Ticket:
    """The citizen's evaluation of a direct answer at the end of the call (ANSWER-3, TJ
    第二十五条 "答复完毕后即时进行评价"); ``declined`` records a citizen who would not say."""
    if result not in EVALUATION_RESULTS:
        raise InvalidInput(f"评价结果“{result}”无效，应为：{'、'.join(EVALUATION_RESULTS)}。")
    if ticket.evaluation:
        raise DomainError("该直接答复已有评价。", code="already_evaluated", status=409)
    at = _now(now)
    with transaction.atomic():
        _simple(
            actor,
            ticket,
            Action.EVALUATE,
            "ticket.evaluated",
            ["evaluation"],
            note,
            at,
            {"result": result},
            outcome=result,
        )
        Ticket.objects.filter(pk=ticket.pk).update(evaluation=result)
        ticket.evaluation = result
    return ticket
