"""The work-order API (issue 5 §5): register, read, list, and one POST per lifecycle action.

Every action answers with the ticket as the caller may see it (``TicketOut``); refusals are
``{"code", "message"}`` with 400 (bad input), 403 (role or unit), 404 (not visible), 409 (state
or a concurrent change).
"""

from datetime import datetime
from typing import Any, Literal

from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile

from hotline.core.errors import InvalidInput, NotFound
from hotline.policy.profiles import load_profile
from hotline.tickets import services as svc
from hotline.tickets.access import (
    citizen_hidden_from,
    ticket_citizen_for_user,
    ticket_get_for_user,
    tickets_visible_to,
)
from hotline.tickets.attachments import attachment_add
from hotline.tickets.models import Assignment, CitizenNotice, Deadline, ExtensionRequest, Ticket
from hotline.tickets.sweep import CLOCK_LABELS
from hotline.tickets.transitions import STATE_LABELS, State

router = Router(tags=["tickets"])

PAGE_SIZE = 50


# ----------------------------------------------------------------------------- bodies


class CitizenIn(Schema):
    phone: str
    name: str = ""


class DeadlineIn(Schema):
    due_at: datetime
    basis: str


class RegisterIn(Schema):
    channel: str = "phone"
    category: str
    content: str
    citizen: CitizenIn
    urgent: bool = False
    complex: bool = False
    address: str = ""
    area_code: str | None = None
    confidential: bool = False
    complained_unit: str | None = None
    deadline: DeadlineIn | None = None
    related: list[str] = []


class NoteIn(Schema):
    note: str = ""


class RejectIn(Schema):
    reason: str
    note: str = ""


class AnswerIn(Schema):
    content: str
    articles: list[Any] = []


class DispatchIn(Schema):
    unit: str
    assisting: list[str] = []
    note: str = ""


class ReturnIn(Schema):
    """What the profile requires: ``reason`` and ``basis`` where it says so, ``ground`` (one of
    ``return.grounds``) where ``ground_required`` (QLH 五(二)) — issue 12."""

    reason: str = ""
    basis: str = ""
    ground: str = ""


class ExtensionIn(Schema):
    until: datetime
    reason: str
    basis: str = ""


class DecisionIn(Schema):
    """``decision`` is ``approved`` or ``refused`` (``approve``/``refuse`` and a boolean
    ``approved`` are accepted too); ``until`` overrides the requested deadline (A6)."""

    decision: str | None = None
    approved: bool | None = None
    until: datetime | None = None
    note: str = ""

    def normalised(self) -> str:
        if self.decision is None and self.approved is not None:
            return "approved" if self.approved else "refused"
        aliases = {"approve": "approved", "refuse": "refused", "reject": "refused"}
        value = (self.decision or "").strip().lower()
        return aliases.get(value, value)


class ReplyIn(Schema):
    content: str
    citizen_satisfaction: str = ""


class CallbackIn(Schema):
    result: Literal["satisfied", "basically_satisfied", "dissatisfied", "unreached"]
    note: str = ""


class NavigateIn(Schema):
    """Navigation help (SCOPE-3): the help given and where the citizen was pointed."""

    note: str = ""
    pointed_to: str = ""


class EvaluateIn(Schema):
    """``result``: satisfied, basically_satisfied, dissatisfied or declined (ANSWER-3)."""

    result: str
    note: str = ""


class TellCitizenIn(Schema):
    """The citizen was told of an extension: ``how`` (phone, sms, visit, letter, other),
    ``told_at`` (default now), ``told_by`` (default the caller's name) (HANDLE-5)."""

    how: str
    told_at: datetime | None = None
    told_by: str = ""
    note: str = ""


class TransferIn(Schema):
    platform: str
    note: str = ""


class ListFilters(Schema):
    state: str | None = None
    unit: str | None = None
    light: Literal["normal", "warning", "overdue"] | None = None
    category: str | None = None
    q: str | None = None
    page: int = 1


# ----------------------------------------------------------------------------- answers


class UnitRef(Schema):
    code: str
    name: str
    role: str
    signed_at: datetime | None


class ChangeOut(Schema):
    at: datetime
    old_due_at: datetime | None
    new_due_at: datetime | None
    reason: str


class DeadlineOut(Schema):
    id: int
    kind: str
    label: str
    unit_code: str | None
    start_at: datetime
    due_at: datetime | None
    warn_at: datetime | None
    met_at: datetime | None
    light: str
    basis: str
    provisional: bool
    history: list[ChangeOut]
    actor: str  # who must act: the clock's ``actor`` in the profile (centre, agent, unit …)


class EventOut(Schema):
    at: datetime
    action: str
    actor: str | None
    from_state: str
    to_state: str
    note: str
    payload: dict[str, Any]


class ExtensionOut(Schema):
    id: int
    ticket: str
    unit: str
    until: datetime
    reason: str
    basis: str
    status: str
    requested_at: datetime
    decided_at: datetime | None
    decided_until: datetime | None
    decision_note: str


class ReturnWindowOut(Schema):
    """The window in which the lead unit may return the ticket: not a deadline (issue 12)."""

    until: datetime | None
    open: bool
    basis: str


class CitizenNoticeOut(Schema):
    id: int
    extension: int
    party: str
    unit: str | None
    created_at: datetime
    due_at: datetime | None
    told_at: datetime | None
    told_by: str
    how: str
    note: str


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    uploaded_at: datetime
    url: str


class TicketOut(Schema):
    number: str
    state: str
    state_label: str
    version: int
    profile: str
    channel: str
    category: str
    content: str
    urgent: bool
    complex: bool
    confidential: bool
    address: str
    area: str | None
    complained_unit: str | None
    registered_at: datetime
    citizen: dict[str, Any]
    units: list[UnitRef]
    light: str
    deadlines: list[DeadlineOut]
    events: list[EventOut]
    extensions: list[ExtensionOut]
    attachments: list[AttachmentOut]
    related: list[str]
    allowed_actions: list[str]
    evaluation: str
    return_window: ReturnWindowOut | None
    citizen_notices: list[CitizenNoticeOut]


class TicketRow(Schema):
    number: str
    state: str
    state_label: str
    category: str
    channel: str
    content: str
    urgent: bool
    registered_at: datetime
    lead_unit: str | None
    light: str
    next_due_at: datetime | None


class TicketPage(Schema):
    count: int
    page: int
    pages: int
    results: list[TicketRow]


# ----------------------------------------------------------------------------- helpers


def _extension_out(request_: ExtensionRequest) -> dict[str, Any]:
    return {
        "id": request_.pk,
        "ticket": request_.ticket.number,
        "unit": request_.unit.code,
        "until": request_.until,
        "reason": request_.reason,
        "basis": request_.basis,
        "status": request_.status,
        "requested_at": request_.requested_at,
        "decided_at": request_.decided_at,
        "decided_until": request_.decided_until,
        "decision_note": request_.decision_note,
    }


def worst_light(deadlines: list[Deadline], now: datetime) -> str:
    """Return the ticket's light: its worst open deadline's (normal when none is open)."""
    lights = {d.light(now) for d in deadlines}
    for light in ("overdue", "warning"):
        if light in lights:
            return light
    return "normal"


def ticket_out(request: HttpRequest, ticket: Ticket) -> dict[str, Any]:
    """Return the ticket as ``request.user`` may see it (PRIVACY-2), auditing citizen reads."""
    user: Any = request.user
    now = timezone.now()
    hidden = citizen_hidden_from(user, ticket)
    deadlines = list(
        ticket.deadlines.select_related("assignment__unit").prefetch_related("changes")
    )
    assignments = ticket.assignments.filter(active=True).select_related("unit")
    return {
        "number": ticket.number,
        "state": ticket.state,
        "state_label": STATE_LABELS[State(ticket.state)],
        "version": ticket.version,
        "profile": ticket.profile,
        "channel": ticket.channel,
        "category": ticket.category,
        "content": ticket.content,
        "urgent": ticket.urgent,
        "complex": ticket.complex,
        "confidential": ticket.confidential,
        "address": ticket.address,
        "area": ticket.area.code if ticket.area else None,
        "complained_unit": ticket.complained_unit.code if ticket.complained_unit else None,
        "registered_at": ticket.registered_at,
        "citizen": ticket_citizen_for_user(user, ticket, request=request),
        "units": [
            {"code": a.unit.code, "name": a.unit.name, "role": a.role, "signed_at": a.signed_at}
            for a in assignments
        ],
        "light": worst_light(deadlines, now),
        "deadlines": [
            {
                "id": d.pk,
                "kind": d.kind,
                "label": CLOCK_LABELS.get(d.kind, d.kind),
                "unit_code": d.assignment.unit.code if d.assignment else None,
                "start_at": d.start_at,
                "due_at": d.due_at,
                "warn_at": d.warn_at,
                "met_at": d.met_at,
                "light": d.light(now),
                "basis": d.basis,
                "provisional": d.provisional,
                "actor": clock_actor(ticket.profile, d.kind),
                "history": [
                    {
                        "at": c.at,
                        "old_due_at": c.old_due_at,
                        "new_due_at": c.new_due_at,
                        "reason": c.reason,
                    }
                    for c in d.changes.all()
                ],
            }
            for d in deadlines
        ],
        "events": [
            {
                "at": e.at,
                "action": e.action,
                "actor": e.actor.get_full_name() or e.actor.username if e.actor else None,
                "from_state": e.from_state,
                "to_state": e.to_state,
                "note": e.note,
                "payload": e.payload,
            }
            for e in ticket.events.select_related("actor")
        ],
        "extensions": [
            _extension_out(x) for x in ticket.extensions.select_related("ticket", "unit")
        ],
        "attachments": []
        if hidden
        else [
            {
                "id": a.pk,
                "name": a.name,
                "content_type": a.content_type,
                "size": a.size,
                "uploaded_at": a.uploaded_at,
                "url": f"/api/v1/tickets/{ticket.number}/attachments/{a.pk}",
            }
            for a in ticket.attachments.all()
        ],
        "related": list(ticket.related.values_list("number", flat=True)),
        "allowed_actions": svc.ticket_actions_for(user, ticket, now),
        "evaluation": ticket.evaluation,
        "return_window": _return_window_out(ticket, now),
        "citizen_notices": [
            _citizen_notice_out(n)
            for n in ticket.citizen_notices.select_related("unit", "deadline")
        ],
    }


def clock_actor(profile: str, kind: str) -> str:
    """Return who must act on clock ``kind`` (the profile's ``clocks.<kind>.actor``)."""
    clocks = load_profile(profile).clocks
    if kind in clocks:
        return clocks[kind].actor
    return "centre" if kind == svc.TELL_CITIZEN else ""


def _return_window_out(ticket: Ticket, now: datetime) -> dict[str, Any] | None:
    if ticket.state not in (State.DISPATCHED, State.SIGNED, State.IN_PROGRESS):
        return None
    window = svc.return_window(ticket)
    if window is None:
        return None
    until = window.due_at
    return {"until": until, "open": until is None or now < until, "basis": window.basis}


def _citizen_notice_out(notice: CitizenNotice) -> dict[str, Any]:
    return {
        "id": notice.pk,
        "extension": notice.extension_id,
        "party": notice.party,
        "unit": notice.unit.code if notice.unit else None,
        "created_at": notice.created_at,
        "due_at": notice.deadline.due_at if notice.deadline else None,
        "told_at": notice.told_at,
        "told_by": notice.told_by_name,
        "how": notice.how,
        "note": notice.note,
    }


def _get(request: HttpRequest, number: str) -> Ticket:
    return ticket_get_for_user(request.user, number)  # type: ignore[arg-type]


def tickets_filtered(user: Any, filters: ListFilters, now: datetime) -> QuerySet[Ticket]:
    """Return the user's tickets narrowed by the list filters (shared with the UI)."""
    tickets = tickets_visible_to(user)
    if filters.state:
        tickets = tickets.filter(state__in=filters.state.split(","))
    if filters.category:
        tickets = tickets.filter(category__in=filters.category.split(","))
    if filters.unit:
        tickets = tickets.filter(
            Exists(
                Assignment.objects.filter(
                    ticket=OuterRef("pk"), active=True, unit__code=filters.unit
                )
            )
        )
    if filters.q:
        text = filters.q.strip()[:100]
        tickets = tickets.filter(
            Q(number__icontains=text) | Q(content__icontains=text) | Q(address__icontains=text)
        )
    if filters.light:
        open_ = Deadline.objects.filter(ticket=OuterRef("pk"), met_at__isnull=True)
        overdue = Exists(open_.filter(due_at__lte=now))
        warning = Exists(open_.filter(warn_at__lte=now))
        if filters.light == "overdue":
            tickets = tickets.filter(overdue)
        elif filters.light == "warning":
            tickets = tickets.filter(warning).exclude(overdue)
        else:
            tickets = tickets.exclude(warning).exclude(overdue)
    return tickets


def ticket_rows(tickets: list[Ticket], now: datetime) -> list[dict[str, Any]]:
    """Return list rows for ``tickets`` with their light and next due time (two queries)."""
    ids = [t.pk for t in tickets]
    open_deadlines: dict[int, list[Deadline]] = {}
    for d in Deadline.objects.filter(ticket_id__in=ids, met_at__isnull=True):
        open_deadlines.setdefault(d.ticket_id, []).append(d)
    leads = {
        a.ticket_id: a.unit.code
        for a in Assignment.objects.filter(
            ticket_id__in=ids, active=True, role="lead"
        ).select_related("unit")
    }
    rows = []
    for t in tickets:
        mine = open_deadlines.get(t.pk, [])
        dues = [d.due_at for d in mine if d.due_at is not None]
        rows.append(
            {
                "number": t.number,
                "state": t.state,
                "state_label": STATE_LABELS[State(t.state)],
                "category": t.category,
                "channel": t.channel,
                "content": t.content[:120],
                "urgent": t.urgent,
                "registered_at": t.registered_at,
                "lead_unit": leads.get(t.pk),
                "light": worst_light(mine, now),
                "next_due_at": min(dues) if dues else None,
            }
        )
    return rows


# ----------------------------------------------------------------------------- endpoints


@router.post("/tickets", response={201: TicketOut}, summary="Register a ticket (INTAKE-3)")
def ticket_register(request: HttpRequest, payload: RegisterIn) -> Status[Any]:
    ticket = svc.ticket_register(
        actor=request.user,
        channel=payload.channel,
        category=payload.category,
        content=payload.content,
        citizen_phone=payload.citizen.phone,
        citizen_name=payload.citizen.name,
        urgent=payload.urgent,
        complex=payload.complex,
        address=payload.address,
        area_code=payload.area_code,
        confidential=payload.confidential,
        complained_unit_code=payload.complained_unit,
        due_at=payload.deadline.due_at if payload.deadline else None,
        due_basis=payload.deadline.basis if payload.deadline else "",
        related=payload.related,
    )
    return Status(201, ticket_out(request, ticket))


@router.get("/tickets", response=TicketPage, summary="Tickets visible to you, filtered")
def ticket_list(request: HttpRequest, filters: Query[ListFilters]) -> dict[str, Any]:
    now = timezone.now()
    tickets = tickets_filtered(request.user, filters, now).order_by("-registered_at", "-id")
    paginator = Paginator(tickets, PAGE_SIZE)
    if filters.page < 1 or (filters.page > paginator.num_pages and filters.page != 1):
        raise InvalidInput(f"页码超出范围（共 {paginator.num_pages} 页）。")
    page = paginator.page(filters.page)
    return {
        "count": paginator.count,
        "page": page.number,
        "pages": paginator.num_pages,
        "results": ticket_rows(list(page.object_list), now),
    }


@router.get("/tickets/{number}", response=TicketOut, summary="One ticket with its timeline")
def ticket_detail(request: HttpRequest, number: str) -> dict[str, Any]:
    return ticket_out(request, _get(request, number))


def _done(request: HttpRequest, ticket: Ticket) -> dict[str, Any]:
    ticket.refresh_from_db()
    return ticket_out(request, ticket)


@router.post("/tickets/{number}/reject", response=TicketOut, summary="Not accepted (SCOPE-2)")
def ticket_reject(request: HttpRequest, number: str, payload: RejectIn) -> dict[str, Any]:
    ticket = _get(request, number)
    svc.ticket_reject(actor=request.user, ticket=ticket, reason=payload.reason, note=payload.note)
    return _done(request, ticket)


@router.post("/tickets/{number}/answer", response=TicketOut, summary="Answer directly (ANSWER-1)")
def ticket_answer(request: HttpRequest, number: str, payload: AnswerIn) -> dict[str, Any]:
    ticket = _get(request, number)
    svc.ticket_answer(
        actor=request.user, ticket=ticket, content=payload.content, articles=payload.articles
    )
    return _done(request, ticket)


@router.post("/tickets/{number}/defer", response=TicketOut, summary="Answer later (ANSWER-2)")
def ticket_defer(
    request: HttpRequest, number: str, payload: NoteIn | None = None
) -> dict[str, Any]:
    ticket = _get(request, number)
    svc.ticket_defer(actor=request.user, ticket=ticket, note=payload.note if payload else "")
    return _done(request, ticket)


@router.post("/tickets/{number}/review", response=TicketOut, summary="Review (DISPATCH-2)")
def ticket_review(
    request: HttpRequest, number: str, payload: NoteIn | None = None
) -> dict[str, Any]:
    ticket = _get(request, number)
    svc.ticket_review(actor=request.user, ticket=ticket, note=payload.note if payload else "")
    return _done(request, ticket)


@router.post("/tickets/{number}/dispatch", response=TicketOut, summary="Dispatch (DISPATCH-1)")
def ticket_dispatch(request: HttpRequest, number: str, payload: DispatchIn) -> dict[str, Any]:
    ticket = _get(request, number)
    svc.ticket_dispatch(
        actor=request.user,
        ticket=ticket,
        unit_code=payload.unit,
        assisting=payload.assisting,
        note=payload.note,
    )
    return _done(request, ticket)


@router.post("/tickets/{number}/sign", response=TicketOut, summary="Sign for (HANDLE-2)")
def ticket_sign(request: HttpRequest, number: str, payload: NoteIn | None = None) -> dict[str, Any]:
    ticket = _get(request, number)
    svc.ticket_sign(actor=request.user, ticket=ticket)
    return _done(request, ticket)


@router.post("/tickets/{number}/contact", response=TicketOut, summary="First contact (HANDLE-2)")
def ticket_contact(request: HttpRequest, number: str, payload: NoteIn) -> dict[str, Any]:
    ticket = _get(request, number)
    svc.ticket_contact(actor=request.user, ticket=ticket, note=payload.note)
    return _done(request, ticket)


@router.post("/tickets/{number}/return", response=TicketOut, summary="Return (HANDLE-3)")
def ticket_return(request: HttpRequest, number: str, payload: ReturnIn) -> dict[str, Any]:
    ticket = _get(request, number)
    svc.ticket_return(
        actor=request.user,
        ticket=ticket,
        reason=payload.reason,
        basis=payload.basis,
        ground=payload.ground,
    )
    return _done(request, ticket)


@router.post("/tickets/{number}/redispatch", response=TicketOut, summary="Re-dispatch (HANDLE-3)")
def ticket_redispatch(request: HttpRequest, number: str, payload: DispatchIn) -> dict[str, Any]:
    ticket = _get(request, number)
    svc.ticket_redispatch(
        actor=request.user,
        ticket=ticket,
        unit_code=payload.unit,
        assisting=payload.assisting,
        note=payload.note,
    )
    return _done(request, ticket)


@router.post(
    "/tickets/{number}/extensions",
    response={201: ExtensionOut},
    summary="Request an extension (HANDLE-5)",
)
def ticket_extension_request(
    request: HttpRequest, number: str, payload: ExtensionIn
) -> Status[Any]:
    ticket = _get(request, number)
    extension = svc.ticket_extension_request(
        actor=request.user,
        ticket=ticket,
        until=payload.until,
        reason=payload.reason,
        basis=payload.basis,
    )
    return Status(201, _extension_out(extension))


@router.post(
    "/tickets/{number}/extensions/{extension_id}/decision",
    response=ExtensionOut,
    summary="Approve or refuse an extension (HANDLE-5)",
)
def ticket_extension_decide(
    request: HttpRequest, number: str, extension_id: int, payload: DecisionIn
) -> dict[str, Any]:
    ticket = _get(request, number)
    extension = svc.ticket_extension_decide(
        actor=request.user,
        ticket=ticket,
        extension_id=extension_id,
        decision=payload.normalised(),
        until=payload.until,
        note=payload.note,
    )
    return _extension_out(extension)


@router.post("/tickets/{number}/explain", response=TicketOut, summary="Cannot be solved (HANDLE-6)")
def ticket_explain(request: HttpRequest, number: str, payload: NoteIn) -> dict[str, Any]:
    ticket = _get(request, number)
    svc.ticket_explain(actor=request.user, ticket=ticket, note=payload.note)
    return _done(request, ticket)


@router.post("/tickets/{number}/escalate", response=TicketOut, summary="To the head (HANDLE-7)")
def ticket_escalate(
    request: HttpRequest, number: str, payload: NoteIn | None = None
) -> dict[str, Any]:
    ticket = _get(request, number)
    svc.ticket_escalate(actor=request.user, ticket=ticket, note=payload.note if payload else "")
    return _done(request, ticket)


@router.post("/tickets/{number}/reply", response=TicketOut, summary="The unit's reply (HANDLE-4)")
def ticket_reply(request: HttpRequest, number: str, payload: ReplyIn) -> dict[str, Any]:
    ticket = _get(request, number)
    svc.ticket_reply(
        actor=request.user,
        ticket=ticket,
        content=payload.content,
        citizen_satisfaction=payload.citizen_satisfaction,
    )
    return _done(request, ticket)


@router.post("/tickets/{number}/callback", response=TicketOut, summary="Callback (CALLBACK-2)")
def ticket_callback(request: HttpRequest, number: str, payload: CallbackIn) -> dict[str, Any]:
    ticket = _get(request, number)
    svc.ticket_callback(actor=request.user, ticket=ticket, result=payload.result, note=payload.note)
    return _done(request, ticket)


@router.post("/tickets/{number}/redo", response=TicketOut, summary="Redo (CALLBACK-3)")
def ticket_redo(request: HttpRequest, number: str, payload: NoteIn | None = None) -> dict[str, Any]:
    ticket = _get(request, number)
    svc.ticket_redo(actor=request.user, ticket=ticket, note=payload.note if payload else "")
    return _done(request, ticket)


@router.post("/tickets/{number}/close", response=TicketOut, summary="Close")
def ticket_close(
    request: HttpRequest, number: str, payload: NoteIn | None = None
) -> dict[str, Any]:
    ticket = _get(request, number)
    svc.ticket_close(actor=request.user, ticket=ticket, note=payload.note if payload else "")
    return _done(request, ticket)


@router.post("/tickets/{number}/transfer", response=TicketOut, summary="Transfer (DISPATCH-6)")
def ticket_transfer(request: HttpRequest, number: str, payload: TransferIn) -> dict[str, Any]:
    ticket = _get(request, number)
    svc.ticket_transfer(
        actor=request.user, ticket=ticket, platform=payload.platform, note=payload.note
    )
    return _done(request, ticket)


@router.post("/tickets/{number}/reopen", response=TicketOut, summary="Reopen")
def ticket_reopen(
    request: HttpRequest, number: str, payload: NoteIn | None = None
) -> dict[str, Any]:
    ticket = _get(request, number)
    svc.ticket_reopen(actor=request.user, ticket=ticket, note=payload.note if payload else "")
    return _done(request, ticket)


@router.post("/tickets/{number}/archive", response=TicketOut, summary="Archive")
def ticket_archive(
    request: HttpRequest, number: str, payload: NoteIn | None = None
) -> dict[str, Any]:
    ticket = _get(request, number)
    svc.ticket_archive(actor=request.user, ticket=ticket)
    return _done(request, ticket)


# Issue 12: navigation help, the evaluation of a direct answer, telling the citizen.


@router.post("/tickets/{number}/navigate", response=TicketOut, summary="Navigation help (SCOPE-3)")
def ticket_navigate(request: HttpRequest, number: str, payload: NavigateIn) -> dict[str, Any]:
    ticket = _get(request, number)
    svc.ticket_navigate(
        actor=request.user, ticket=ticket, note=payload.note, pointed_to=payload.pointed_to
    )
    return _done(request, ticket)


@router.post(
    "/tickets/{number}/evaluate", response=TicketOut, summary="Evaluate a direct answer (ANSWER-3)"
)
def ticket_evaluate(request: HttpRequest, number: str, payload: EvaluateIn) -> dict[str, Any]:
    ticket = _get(request, number)
    svc.ticket_evaluate(actor=request.user, ticket=ticket, result=payload.result, note=payload.note)
    return _done(request, ticket)


@router.post(
    "/tickets/{number}/tell-citizen",
    response=TicketOut,
    summary="The citizen was told of an extension (HANDLE-5)",
)
def ticket_tell_citizen(
    request: HttpRequest, number: str, payload: TellCitizenIn
) -> dict[str, Any]:
    ticket = _get(request, number)
    svc.ticket_tell_citizen(
        actor=request.user,
        ticket=ticket,
        how=payload.how,
        told_at=payload.told_at,
        told_by=payload.told_by,
        note=payload.note,
    )
    return _done(request, ticket)


@router.post(
    "/tickets/{number}/attachments",
    response={201: AttachmentOut},
    summary="Attach a document or image (type and size checked)",
)
def ticket_attach(request: HttpRequest, number: str, file: File[UploadedFile]) -> Status[Any]:
    ticket = _get(request, number)
    attachment = attachment_add(actor=request.user, ticket=ticket, upload=file)
    return Status(
        201,
        {
            "id": attachment.pk,
            "name": attachment.name,
            "content_type": attachment.content_type,
            "size": attachment.size,
            "uploaded_at": attachment.uploaded_at,
            "url": f"/api/v1/tickets/{ticket.number}/attachments/{attachment.pk}",
        },
    )


@router.get("/tickets/{number}/attachments/{attachment_id}", summary="Download an attachment")
def ticket_attachment_download(request: HttpRequest, number: str, attachment_id: int) -> Any:
    from django.http import FileResponse

    ticket = _get(request, number)
    if citizen_hidden_from(request.user, ticket):  # type: ignore[arg-type]
        raise NotFound("附件不存在或您无权查看。")
    attachment = get_object_or_404(ticket.attachments, pk=attachment_id)
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.name)
