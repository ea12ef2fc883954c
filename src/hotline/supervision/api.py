"""The supervision API (issue 13): orders, reminder notices and public notices.

Refusals are ``{"code", "message"}``: 400 bad input, 403 role or unit, 404 not visible, 409
state (an order already open, not open any more).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from pydantic import StringConstraints

from hotline.core.edge import InSchema, RowId, text_field
from hotline.supervision import selectors as sel
from hotline.supervision import services as svc
from hotline.supervision.models import Notice, SupervisionOrder
from hotline.tickets.access import ticket_get_for_user

router = Router(tags=["supervision"])

#: The most rows one list answers (newest first).
LIST_MAX = 200

TicketNumber = Annotated[str, StringConstraints(max_length=20)]
UnitCode = Annotated[str, StringConstraints(max_length=32)]
FormCode = Literal["second_handling", "phone", "written", "on_site", "joint_meeting"]
GroundCode = Literal["tj31_1", "tj31_2", "tj31_3", "tj31_4", "sh26", "qlh53"]


class OrderFilters(Schema):
    ticket: TicketNumber | None = None
    state: Literal["open", "explained", "closed"] | None = None


class TicketFilter(Schema):
    ticket: TicketNumber | None = None


class OrderIn(InSchema):
    ticket: TicketNumber
    form: FormCode
    reason: str = text_field()


class ExplainIn(InSchema):
    content: str = text_field()


class CloseIn(InSchema):
    finding: str = text_field()


class ReminderReasonIn(InSchema):
    reason: str = text_field()


class NoticeIn(InSchema):
    units: list[UnitCode] = Field(..., min_length=1, max_length=LIST_MAX)
    period_start: date
    period_end: date
    ground: GroundCode
    text: str = text_field()


class OrderOut(Schema):
    id: int
    ticket: str
    trigger: str
    form: str
    owner: str
    state: str
    explanation_due_at: datetime | None


class OrderList(Schema):
    results: list[OrderOut]


class ReminderOut(Schema):
    id: int
    ticket: str
    sequence: int
    unit: str
    issued_at: datetime
    due_at: datetime | None
    acknowledged_at: datetime | None
    reason: str
    escalated: bool


class ReminderList(Schema):
    results: list[ReminderOut]


class NoticeOut(Schema):
    id: int
    units: list[str]
    period_start: date
    period_end: date
    ground: str
    text: str
    issued_at: datetime


class NoticeList(Schema):
    results: list[NoticeOut]


def _order(request: HttpRequest, order_id: int) -> SupervisionOrder:
    return sel.order_get_for_user(request.user, order_id)


@router.get("/supervision/orders", response=OrderList, summary="Supervision orders visible to you")
def order_list(request: HttpRequest, filters: Query[OrderFilters]) -> dict[str, Any]:
    orders = sel.order_list(request.user, ticket=filters.ticket, state=filters.state)
    return {"results": [sel.order_row(o) for o in orders[:LIST_MAX]]}


@router.post(
    "/supervision/orders",
    response={201: OrderOut},
    summary="Open a supervision order by hand (SUPERVISE-2, -3)",
)
def order_open(request: HttpRequest, payload: OrderIn) -> Status[Any]:
    ticket = ticket_get_for_user(request.user, payload.ticket)  # type: ignore[arg-type]
    order = svc.order_open(
        actor=request.user, ticket=ticket, form=payload.form, reason=payload.reason
    )
    return Status(201, sel.order_row(order))


@router.post(
    "/supervision/orders/{order_id}/explain",
    response=OrderOut,
    summary="The supervised unit's written explanation (SUPERVISE-3)",
)
def order_explain(request: HttpRequest, order_id: RowId, payload: ExplainIn) -> dict[str, Any]:
    order = svc.order_explain(
        actor=request.user, order=_order(request, order_id), content=payload.content
    )
    return sel.order_row(order)


@router.post(
    "/supervision/orders/{order_id}/close",
    response=OrderOut,
    summary="Close a supervision order with a finding (W2)",
)
def order_close(request: HttpRequest, order_id: RowId, payload: CloseIn) -> dict[str, Any]:
    order = svc.order_close(
        actor=request.user, order=_order(request, order_id), finding=payload.finding
    )
    return sel.order_row(order)


@router.get(
    "/supervision/reminders",
    response=ReminderList,
    summary="Reminder notices (催办通知书) visible to you (SUPERVISE-1)",
)
def reminder_list(request: HttpRequest, filters: Query[TicketFilter]) -> dict[str, Any]:
    reminders = sel.reminder_list(request.user, ticket=filters.ticket)
    return {"results": [sel.reminder_row(r) for r in reminders[:LIST_MAX]]}


@router.post(
    "/supervision/reminders/{reminder_id}/acknowledge",
    response=ReminderOut,
    summary="The unit acknowledges a reminder notice",
)
def reminder_acknowledge(request: HttpRequest, reminder_id: RowId) -> dict[str, Any]:
    reminder = sel.reminder_get_for_user(request.user, reminder_id)
    return sel.reminder_row(svc.reminder_acknowledge(actor=request.user, reminder=reminder))


@router.post(
    "/supervision/reminders/{reminder_id}/reason",
    response=ReminderOut,
    summary="The unit reports its reason, which stops the chain (W3, A16)",
)
def reminder_reason(
    request: HttpRequest, reminder_id: RowId, payload: ReminderReasonIn
) -> dict[str, Any]:
    reminder = sel.reminder_get_for_user(request.user, reminder_id)
    done = svc.reminder_reason(actor=request.user, reminder=reminder, reason=payload.reason)
    return sel.reminder_row(done)


@router.get(
    "/supervision/notices", response=NoticeList, summary="Public notices (通报) visible to you"
)
def notice_list(request: HttpRequest) -> dict[str, Any]:
    notices = sel.notices_visible_to(request.user).order_by("-issued_at", "-id")
    return {"results": [sel.notice_row(n) for n in notices[:LIST_MAX]]}


@router.post(
    "/supervision/notices",
    response={201: NoticeOut},
    summary="Issue a public notice (通报) naming units (SUPERVISE-4, V5)",
)
def notice_issue(request: HttpRequest, payload: NoticeIn) -> Status[Any]:
    notice: Notice = svc.notice_issue(
        actor=request.user,
        unit_codes=list(payload.units),
        period_start=payload.period_start,
        period_end=payload.period_end,
        ground=payload.ground,
        text=payload.text,
    )
    return Status(201, sel.notice_row(notice))
