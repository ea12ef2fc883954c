"""The callbacks API (issue 13): the callback queue and quality inspections.

The callback itself is ``POST /api/v1/tickets/{number}/callback`` (tickets). Refusals are
``{"code", "message"}``: 400 bad input, 403 role, 404 not found, 409 already decided or a
ticket state that does not allow the decision.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema

from hotline.callbacks import selectors as sel
from hotline.callbacks import services as svc
from hotline.core.edge import InSchema, RowId, text_field

router = Router(tags=["callbacks"])

#: The most rows one list answers.
LIST_MAX = 500


class DueOut(Schema):
    ticket: str
    due_at: datetime
    attempts: int
    reason: Literal["every_ticket", "sampled", "supervised", "feedback_sheet"]


class DueList(Schema):
    results: list[DueOut]


class InspectionFilters(Schema):
    state: Literal["open", "decided"] | None = None


class InspectionOut(Schema):
    id: int
    ticket: str
    state: str
    opened_at: datetime


class InspectionList(Schema):
    results: list[InspectionOut]


class InspectionDecideIn(InSchema):
    """``responsibility``: ``unit``, ``citizen`` (an unreasonable demand), ``policy`` (a policy
    limit) or ``centre`` (the centre's mistake) — ``citizen_unreasonable``, ``policy_limit`` and
    ``centre_mistake`` are accepted too; ``redo``: a redo order to the same unit, or the ticket
    closed with the finding."""

    responsibility: str = text_field(max_length=32)
    finding: str = text_field()
    redo: bool


@router.get(
    "/callbacks",
    response=DueList,
    summary="Tickets due for a callback that you may take (CALLBACK-1)",
)
def callback_queue(request: HttpRequest) -> dict[str, Any]:
    due = svc.queue(request.user)
    return {"results": [sel.due_row(d) for d in due[:LIST_MAX]]}


@router.get(
    "/inspections",
    response=InspectionList,
    summary="Quality inspections of dissatisfied callbacks (CALLBACK-3)",
)
def inspection_list(request: HttpRequest, filters: Query[InspectionFilters]) -> dict[str, Any]:
    found = sel.inspection_list(request.user, state=filters.state)
    return {"results": [sel.inspection_row(i) for i in found[:LIST_MAX]]}


@router.post(
    "/inspections/{inspection_id}/decide",
    response=InspectionOut,
    summary="Decide an inspection: responsibility, finding, redo or close (CALLBACK-3)",
)
def inspection_decide(
    request: HttpRequest, inspection_id: RowId, payload: InspectionDecideIn
) -> Any:
    inspection = sel.inspection_get_for_user(request.user, inspection_id)
    done = svc.inspection_decide(
        actor=request.user,
        inspection=inspection,
        responsibility=payload.responsibility,
        finding=payload.finding,
        redo=payload.redo,
    )
    return sel.inspection_row(done)
