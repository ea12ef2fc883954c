"""The work-order API (issue 5 §5): register, read, list, and one POST per lifecycle action.

Every action answers with the ticket as the caller may see it (``TicketOut``); refusals are
``{"code", "message"}`` with 400 (bad input), 403 (role or unit), 404 (not visible), 409 (state
or a concurrent change).
"""

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

from django.core.paginator import Paginator
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import StringConstraints

from hotline.citizens.models import Citizen
from hotline.core.edge import QUERY_MAX_CHARS, InSchema, RowId, model_field, text_field
from hotline.core.errors import InvalidInput, NotFound
from hotline.directory.models import Area, Unit
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
from hotline.tickets.transitions import ACTION_LABELS, RULES, Action

router = Router(tags=["tickets"])

PAGE_SIZE = 50


# ----------------------------------------------------------------------------- bodies


class CitizenIn(InSchema):
    """The caller: ``phone`` is checked and normalised (a bad one is a 400 saying what is
    wrong); ``withheld`` records a caller who withheld the number (then ``phone`` is empty);
    ``name`` picks or adds the contact of that number who called."""

    phone: str = model_field(Citizen, "phone", "")
    name: str = model_field(Citizen, "name", "")
    withheld: bool = False


class DeadlineIn(InSchema):
    due_at: datetime
    basis: str = model_field(Ticket, "due_override_basis")


#: A ticket number as a request names one (``YYYYMMDD-NNNNNN``).
TicketNumber = Annotated[str, StringConstraints(max_length=20)]
#: A unit's code as a request names one.
UnitCode = Annotated[str, StringConstraints(max_length=32)]
#: The most tickets, units or articles one request may list.
LIST_MAX = 50


class RegisterIn(InSchema):
    channel: str = model_field(Ticket, "channel", "phone")
    category: str = model_field(Ticket, "category")
    content: str = model_field(Ticket, "content")
    citizen: CitizenIn
    urgent: bool = False
    complex: bool = False
    address: str = model_field(Ticket, "address", "")
    area_code: str | None = model_field(Area, "code", None)
    confidential: bool = False
    complained_unit: str | None = model_field(Unit, "code", None)
    deadline: DeadlineIn | None = None
    related: list[TicketNumber] = Field([], max_length=LIST_MAX)
    escalation: list[Annotated[str, StringConstraints(max_length=64)]] = Field(
        [], max_length=LIST_MAX
    )


class NoteIn(InSchema):
    note: str = text_field("")


class RejectIn(InSchema):
    reason: str = text_field(max_length=64)
    note: str = text_field("")


class AnswerIn(InSchema):
    content: str = text_field()
    articles: list[Any] = Field([], max_length=LIST_MAX)


class DispatchIn(InSchema):
    unit: str = model_field(Unit, "code")
    assisting: list[UnitCode] = Field([], max_length=LIST_MAX)
    note: str = text_field("")


class ReturnIn(InSchema):
    """What the profile requires: ``reason`` and ``basis`` where it says so, ``ground`` (one of
    ``return.grounds``) where ``ground_required`` (QLH 五(二)) — issue 12."""

    reason: str = text_field("")
    basis: str = text_field("")
    ground: str = text_field("", max_length=48)


class ExtensionIn(InSchema):
    until: datetime
    reason: str = model_field(ExtensionRequest, "reason")
    basis: str = model_field(ExtensionRequest, "basis", "")


class DecisionIn(InSchema):
    """``decision`` is ``approved`` or ``refused`` (``approve``/``refuse`` and a boolean
    ``approved`` are accepted too); ``until`` overrides the requested deadline (A6)."""

    decision: str | None = text_field(None, max_length=16)
    approved: bool | None = None
    until: datetime | None = None
    note: str = model_field(ExtensionRequest, "decision_note", "")

    def normalised(self) -> str:
        if self.decision is None and self.approved is not None:
            return "approved" if self.approved else "refused"
        aliases = {"approve": "approved", "refuse": "refused", "reject": "refused"}
        value = (self.decision or "").strip().lower()
        return aliases.get(value, value)


class ReplyIn(InSchema):
    content: str = text_field()
    citizen_satisfaction: str = text_field("", max_length=32)


class CallbackIn(InSchema):
    """``solved`` and ``contacted_in_time`` are what the citizen says (CALLBACK-2); they are
    recorded with a reached result and ignored with ``unreached``."""

    result: Literal["satisfied", "basically_satisfied", "dissatisfied", "unreached"]
    solved: bool | None = None
    contacted_in_time: bool | None = None
    note: str = text_field("")


class NavigateIn(InSchema):
    """Navigation help (SCOPE-3): the help given and where the citizen was pointed."""

    note: str = text_field("")
    pointed_to: str = text_field("", max_length=200)


class EvaluateIn(InSchema):
    """``result``: satisfied, basically_satisfied, dissatisfied or declined (ANSWER-3)."""

    result: str = text_field(max_length=32)
    note: str = text_field("")


class TellCitizenIn(InSchema):
    """The citizen was told of an extension: ``how`` (phone, sms, visit, letter, other),
    ``told_at`` (default now), ``told_by`` (default the caller's name) (HANDLE-5)."""

    how: str = text_field(max_length=16)
    told_at: datetime | None = None
    told_by: str = text_field("", max_length=100)
    note: str = text_field("")


class TransferIn(InSchema):
    platform: str = text_field(max_length=100)
    note: str = text_field("")


class LiaisonCallIn(InSchema):
    liaison: int | None = None
    reached: bool = True
    note: str = text_field("")


class ContributionIn(InSchema):
    content: str = text_field()


class WaiveIn(InSchema):
    unit: str = model_field(Unit, "code")
    reason: str = text_field()


class EscalationFlagIn(InSchema):
    kinds: list[Annotated[str, StringConstraints(max_length=64)]] = Field(max_length=LIST_MAX)
    note: str = text_field("")


class ReasonIn(InSchema):
    reason: str = text_field()


class ReclassifyDecisionIn(InSchema):
    decision: Literal["approved", "refused"]
    note: str = text_field("")


class EventFlagIn(InSchema):
    event_at: datetime | None = None
    note: str = text_field()


class EventReportIn(InSchema):
    kind: Literal["oral", "written"]
    note: str = text_field()


class ListFilters(InSchema):
    state: str | None = text_field(None, max_length=QUERY_MAX_CHARS)
    unit: str | None = text_field(None, max_length=QUERY_MAX_CHARS)
    light: Literal["normal", "warning", "overdue"] | None = None
    category: str | None = text_field(None, max_length=QUERY_MAX_CHARS)
    q: str | None = text_field(None, max_length=QUERY_MAX_CHARS)
    page: int = 1


# ----------------------------------------------------------------------------- answers


class UnitRef(Schema):
    code: str
    name: str
    role: str
    signed_at: datetime | None
    contributed_at: datetime | None = None
    contribution: str = ""
    waived_reason: str = ""


class TicketLiaisonOut(Schema):
    id: int
    name: str
    phone: str
    position: str
    primary: bool


class ReclassificationOut(Schema):
    id: int
    unit: str
    reason: str
    status: str
    requested_at: datetime
    decided_at: datetime | None
    decision_note: str


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
    escalation: list[str] = []
    event_at: datetime | None = None
    liaisons: list[TicketLiaisonOut] = []
    reclassifications: list[ReclassificationOut] = []


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
        phone_withheld=payload.citizen.withheld,
        urgent=payload.urgent,
        complex=payload.complex,
        address=payload.address,
        area_code=payload.area_code,
        confidential=payload.confidential,
        complained_unit_code=payload.complained_unit,
        due_at=payload.deadline.due_at if payload.deadline else None,
        due_basis=payload.deadline.basis if payload.deadline else "",
        related=payload.related,
        escalation=payload.escalation,
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
    return Status(201, extension_view(extension))


@router.post(
    "/tickets/{number}/extensions/{extension_id}/decision",
    response=ExtensionOut,
    summary="Approve or refuse an extension (HANDLE-5)",
)
def ticket_extension_decide(
    request: HttpRequest, number: str, extension_id: RowId, payload: DecisionIn
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
    return extension_view(extension)


# ----------------------------------------------------------------------------- the actions
#
# Each lifecycle action is one row of ``TICKET_ACTIONS``: the path segment, the transition-table
# action whose rule (roles, unit relation, profile guard) the service enforces, the input schema,
# the service call and the summary. ``_register_action`` turns a row into an explicit OpenAPI
# operation ``POST /tickets/{number}/<path>`` (operationId ``hotline_tickets_api_ticket_<path>``)
# answering the ticket as the caller may see it. A new action is one more row.


@dataclass(frozen=True)
class TicketAction:
    """One ``POST /api/v1/tickets/{number}/<path>`` endpoint, declared as data.

    ``permission`` names the transition-table action (``transitions.RULES``) that the service
    checks: who may take it from which state. It is not checked here, so that the refusals keep
    the table's order (409 for the state before 403 for the role). ``body`` is the input schema
    (``None``: no body); with ``body_required=False`` the body may be left out and the schema's
    defaults apply. ``call(actor, ticket, payload)`` runs the one service.
    """

    path: str
    permission: Action
    body: type[Schema] | None
    call: Callable[[Any, Ticket, Any], object]
    summary: str
    body_required: bool = True

    def roles(self) -> list[str]:
        """Return the roles the transition table lets take this action, sorted."""
        return sorted(
            {role for rule in RULES if rule.action == self.permission for role in rule.roles}
        )

    def description(self) -> str:
        """Return the operation's OpenAPI description: who may take the action."""
        return (
            f"{ACTION_LABELS[self.permission]} — roles allowed by the transition table "
            f"(`{self.permission.value}`): {', '.join(self.roles())}. The ticket's state, the "
            "caller's unit and the policy profile are checked too."
        )


TICKET_ACTIONS: tuple[TicketAction, ...] = (
    TicketAction(
        "reject",
        Action.REJECT,
        RejectIn,
        lambda actor, t, p: svc.ticket_reject(actor=actor, ticket=t, reason=p.reason, note=p.note),
        "Not accepted (SCOPE-2)",
    ),
    TicketAction(
        "answer",
        Action.ANSWER,
        AnswerIn,
        lambda actor, t, p: svc.ticket_answer(
            actor=actor, ticket=t, content=p.content, articles=p.articles
        ),
        "Answer directly (ANSWER-1)",
    ),
    TicketAction(
        "defer",
        Action.DEFER,
        NoteIn,
        lambda actor, t, p: svc.ticket_defer(actor=actor, ticket=t, note=p.note),
        "Answer later (ANSWER-2)",
        body_required=False,
    ),
    TicketAction(
        "review",
        Action.REVIEW,
        NoteIn,
        lambda actor, t, p: svc.ticket_review(actor=actor, ticket=t, note=p.note),
        "Review (DISPATCH-2)",
        body_required=False,
    ),
    TicketAction(
        "dispatch",
        Action.DISPATCH,
        DispatchIn,
        lambda actor, t, p: svc.ticket_dispatch(
            actor=actor, ticket=t, unit_code=p.unit, assisting=p.assisting, note=p.note
        ),
        "Dispatch (DISPATCH-1)",
    ),
    TicketAction(
        "sign",
        Action.SIGN,
        NoteIn,
        lambda actor, t, p: svc.ticket_sign(actor=actor, ticket=t),
        "Sign for (HANDLE-2)",
        body_required=False,
    ),
    TicketAction(
        "contact",
        Action.CONTACT,
        NoteIn,
        lambda actor, t, p: svc.ticket_contact(actor=actor, ticket=t, note=p.note),
        "First contact (HANDLE-2)",
    ),
    TicketAction(
        "return",
        Action.RETURN,
        ReturnIn,
        lambda actor, t, p: svc.ticket_return(
            actor=actor, ticket=t, reason=p.reason, basis=p.basis, ground=p.ground
        ),
        "Return (HANDLE-3)",
    ),
    TicketAction(
        "redispatch",
        Action.REDISPATCH,
        DispatchIn,
        lambda actor, t, p: svc.ticket_redispatch(
            actor=actor, ticket=t, unit_code=p.unit, assisting=p.assisting, note=p.note
        ),
        "Re-dispatch (HANDLE-3)",
    ),
    TicketAction(
        "explain",
        Action.EXPLAIN,
        NoteIn,
        lambda actor, t, p: svc.ticket_explain(actor=actor, ticket=t, note=p.note),
        "Cannot be solved (HANDLE-6)",
    ),
    TicketAction(
        "escalate",
        Action.ESCALATE,
        NoteIn,
        lambda actor, t, p: svc.ticket_escalate(actor=actor, ticket=t, note=p.note),
        "To the head (HANDLE-7)",
        body_required=False,
    ),
    TicketAction(
        "reply",
        Action.REPLY,
        ReplyIn,
        lambda actor, t, p: svc.ticket_reply(
            actor=actor,
            ticket=t,
            content=p.content,
            citizen_satisfaction=p.citizen_satisfaction,
        ),
        "The unit's reply (HANDLE-4)",
    ),
    TicketAction(
        "callback",
        Action.CALLBACK,
        CallbackIn,
        lambda actor, t, p: svc.ticket_callback(
            actor=actor,
            ticket=t,
            result=p.result,
            note=p.note,
            solved=p.solved,
            contacted_in_time=p.contacted_in_time,
        ),
        "Callback (CALLBACK-2)",
    ),
    TicketAction(
        "redo",
        Action.REDO,
        NoteIn,
        lambda actor, t, p: svc.ticket_redo(actor=actor, ticket=t, note=p.note),
        "Redo (CALLBACK-3)",
        body_required=False,
    ),
    TicketAction(
        "close",
        Action.CLOSE,
        NoteIn,
        lambda actor, t, p: svc.ticket_close(actor=actor, ticket=t, note=p.note),
        "Close",
        body_required=False,
    ),
    TicketAction(
        "transfer",
        Action.TRANSFER,
        TransferIn,
        lambda actor, t, p: svc.ticket_transfer(
            actor=actor, ticket=t, platform=p.platform, note=p.note
        ),
        "Transfer (DISPATCH-6)",
    ),
    TicketAction(
        "reopen",
        Action.REOPEN,
        NoteIn,
        lambda actor, t, p: svc.ticket_reopen(actor=actor, ticket=t, note=p.note),
        "Reopen",
        body_required=False,
    ),
    TicketAction(
        "archive",
        Action.ARCHIVE,
        NoteIn,
        lambda actor, t, p: svc.ticket_archive(actor=actor, ticket=t),
        "Archive",
        body_required=False,
    ),
    # Issue 12: navigation help and the evaluation of a direct answer.
    TicketAction(
        "navigate",
        Action.NAVIGATE,
        NavigateIn,
        lambda actor, t, p: svc.ticket_navigate(
            actor=actor, ticket=t, note=p.note, pointed_to=p.pointed_to
        ),
        "Navigation help (SCOPE-3)",
    ),
    TicketAction(
        "evaluate",
        Action.EVALUATE,
        EvaluateIn,
        lambda actor, t, p: svc.ticket_evaluate(
            actor=actor, ticket=t, result=p.result, note=p.note
        ),
        "Evaluate a direct answer (ANSWER-3)",
    ),
    # Issue 12 part 2: urgent tickets, assisting units, escalation, reclassification, events.
    TicketAction(
        "liaison-call",
        Action.LIAISON_CALL,
        LiaisonCallIn,
        lambda actor, t, p: svc.ticket_liaison_call(
            actor=actor, ticket=t, liaison_id=p.liaison, reached=p.reached, note=p.note
        ),
        "Record the call to the unit's liaison (DISPATCH-3)",
    ),
    TicketAction(
        "assist/sign",
        Action.ASSIST_SIGN,
        NoteIn,
        lambda actor, t, p: svc.ticket_assist_sign(actor=actor, ticket=t),
        "Assisting unit signs (DISPATCH-4)",
        body_required=False,
    ),
    TicketAction(
        "assist/contribution",
        Action.ASSIST_SUBMIT,
        ContributionIn,
        lambda actor, t, p: svc.ticket_assist_submit(actor=actor, ticket=t, content=p.content),
        "Assisting unit's contribution to the lead (DISPATCH-4)",
    ),
    TicketAction(
        "assist/waive",
        Action.ASSIST_WAIVE,
        WaiveIn,
        lambda actor, t, p: svc.ticket_assist_waive(
            actor=actor, ticket=t, unit_code=p.unit, reason=p.reason
        ),
        "Lead replies without a contribution, with the reason (DISPATCH-4)",
    ),
    TicketAction(
        "escalation-flag",
        Action.ESCALATION_FLAG,
        EscalationFlagIn,
        lambda actor, t, p: svc.ticket_escalation_flag(
            actor=actor, ticket=t, kinds=p.kinds, note=p.note
        ),
        "Flag a matter for the unit's head (HANDLE-7)",
    ),
    TicketAction(
        "reclassify",
        Action.RECLASSIFY_REQUEST,
        ReasonIn,
        lambda actor, t, p: svc.ticket_reclassify_request(actor=actor, ticket=t, reason=p.reason),
        "Ask to treat the matter as complex (A7)",
    ),
    TicketAction(
        "reclassify/decision",
        Action.RECLASSIFY_DECIDE,
        ReclassifyDecisionIn,
        lambda actor, t, p: svc.ticket_reclassify_decide(
            actor=actor, ticket=t, decision=p.decision, note=p.note
        ),
        "Approve or refuse a reclassification (A7)",
    ),
    TicketAction(
        "event",
        Action.EVENT_FLAG,
        EventFlagIn,
        lambda actor, t, p: svc.ticket_event_flag(
            actor=actor, ticket=t, event_at=p.event_at, note=p.note
        ),
        "Flag a major sudden event; its report clocks start (PUBLISH-3)",
    ),
    TicketAction(
        "event/report",
        Action.EVENT_REPORT,
        EventReportIn,
        lambda actor, t, p: svc.ticket_event_report(
            actor=actor, ticket=t, kind=p.kind, note=p.note
        ),
        "Record the oral report or the written follow-up (PUBLISH-3)",
    ),
)


def _register_action(row: TicketAction) -> None:
    """Add ``row`` to the router as an explicit operation with its own input schema."""

    def view(request: HttpRequest, number: str, payload: Any = None) -> dict[str, Any]:
        ticket = _get(request, number)
        body = payload if payload is not None or row.body is None else row.body()
        row.call(request.user, ticket, body)
        return _done(request, ticket)

    parameters = [
        inspect.Parameter(
            "request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=HttpRequest
        ),
        inspect.Parameter("number", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=str),
    ]
    if row.body is not None:
        parameters.append(
            inspect.Parameter(
                "payload",
                inspect.Parameter.POSITIONAL_OR_KEYWORD,
                annotation=row.body if row.body_required else row.body | None,
                default=inspect.Parameter.empty if row.body_required else None,
            )
        )
    view.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    view.__name__ = view.__qualname__ = "ticket_" + row.path.replace("/", "_").replace("-", "_")
    router.add_api_operation(
        f"/tickets/{{number}}/{row.path}",
        ["POST"],
        view,
        response=TicketOut,
        summary=row.summary,
        description=row.description(),
    )


for _row in TICKET_ACTIONS:
    _register_action(_row)


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
def ticket_attachment_download(request: HttpRequest, number: str, attachment_id: RowId) -> Any:
    from django.http import FileResponse

    ticket = _get(request, number)
    if citizen_hidden_from(request.user, ticket):  # type: ignore[arg-type]
        raise NotFound("附件不存在或您无权查看。")
    attachment = get_object_or_404(ticket.attachments, pk=attachment_id)
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.name)
