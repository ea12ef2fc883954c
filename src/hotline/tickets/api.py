"""The work-order API (issue 5 §5): register, read, list, and one POST per lifecycle action.

Every action answers with the ticket as the caller may see it (``TicketOut``); refusals are
``{"code", "message"}`` with 400 (bad input), 403 (role or unit), 404 (not visible), 409 (state
or a concurrent change).
"""

from datetime import datetime
from typing import Any, Literal

from django.core.paginator import Paginator
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile

from hotline.core.errors import InvalidInput, NotFound
from hotline.tickets import services as svc
from hotline.tickets.access import citizen_hidden_from, ticket_get_for_user
from hotline.tickets.attachments import attachment_add
from hotline.tickets.models import ExtensionRequest, Ticket
from hotline.tickets.selectors import (
    TicketFilters,
    extension_view,
    ticket_rows,
    ticket_view_for,
    tickets_filtered,
)

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
    reason: str
    basis: str


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
    return extension_view(request_)


def ticket_out(request: HttpRequest, ticket: Ticket) -> dict[str, Any]:
    """Return the ticket as ``request.user`` may see it: ``selectors.ticket_view_for``."""
    return ticket_view_for(request.user, ticket, request=request)  # type: ignore[arg-type]


def _get(request: HttpRequest, number: str) -> Ticket:
    return ticket_get_for_user(request.user, number)  # type: ignore[arg-type]


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
    criteria = TicketFilters(
        state=filters.state,
        unit=filters.unit,
        light=filters.light,
        category=filters.category,
        q=filters.q,
    )
    user: Any = request.user
    tickets = tickets_filtered(user, criteria, now).order_by("-registered_at", "-id")
    paginator = Paginator(tickets, PAGE_SIZE)
    if filters.page < 1 or (filters.page > paginator.num_pages and filters.page != 1):
        raise InvalidInput(f"页码超出范围（共 {paginator.num_pages} 页）。")
    page = paginator.page(filters.page)
    return {
        "count": paginator.count,
        "page": page.number,
        "pages": paginator.num_pages,
        "results": ticket_rows(user, list(page.object_list), now),
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
    svc.ticket_return(actor=request.user, ticket=ticket, reason=payload.reason, basis=payload.basis)
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
