"""The centre-quality API: agent scores (STATS-5) and malicious-caller flags (INTAKE-7).

Refusals are ``{"code", "message"}``: 400 bad input, 403 role, 404 not visible, 409 state.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from pydantic import StrictBool, StringConstraints

from hotline.core.edge import InSchema, RowId, text_field
from hotline.core.errors import PermissionDenied
from hotline.quality import selectors as sel
from hotline.quality import services as svc
from hotline.quality.models import ITEM_MAX

router = Router(tags=["quality"])

LIST_MAX = 200
Month = Annotated[str, StringConstraints(max_length=7)]
TicketNumber = Annotated[str, StringConstraints(max_length=20)]
Phone = Annotated[str, StringConstraints(max_length=32)]
Score = Annotated[int, Field(ge=0, le=ITEM_MAX)]
ItemNote = Annotated[str, StringConstraints(max_length=2000)]


class MonthFilter(Schema):
    month: Month


class ReviewFilter(Schema):
    month: Month
    agent: Annotated[str, StringConstraints(max_length=150)] | None = None


class Scores(InSchema):
    courtesy: Score
    accuracy: Score
    classification: Score
    completeness: Score


class Notes(InSchema):
    courtesy: ItemNote = ""
    accuracy: ItemNote = ""
    classification: ItemNote = ""
    completeness: ItemNote = ""


class ReviewIn(InSchema):
    ticket: TicketNumber
    scores: Scores
    notes: Notes | None = None
    note: str = text_field("")


class AgentOut(Schema):
    agent: str
    sampled: int
    scored: int
    score: float | None


class AgentList(Schema):
    results: list[AgentOut]


class ReviewOut(Schema):
    id: int | None
    ticket: str
    agent: str
    month: str
    scored: bool
    scores: dict[str, int] | None
    notes: dict[str, str]
    note: str
    score: float | None
    reviewed_at: datetime | None


class ReviewList(Schema):
    results: list[ReviewOut]


@router.get(
    "/quality/agents",
    response=AgentList,
    summary="Agents' sampled, scored tickets and mean score (%) for a month (STATS-5)",
)
def agent_list(request: HttpRequest, filters: Query[MonthFilter]) -> dict[str, Any]:
    """Inspectors and supervisors see every agent; an agent sees their own row only."""
    month = svc.month_parse(filters.month)
    rows = sel.agent_scores(request.user, month)
    return {
        "results": [
            {"agent": r.agent, "sampled": r.sampled, "scored": r.scored, "score": r.score}
            for r in rows
        ]
    }


@router.get(
    "/quality/reviews",
    response=ReviewList,
    summary="The month's sampled tickets with their reviews (STATS-5)",
)
def review_list(request: HttpRequest, filters: Query[ReviewFilter]) -> dict[str, Any]:
    month = svc.month_parse(filters.month)
    rows = sel.samples_visible_to(request.user).filter(month=month)
    if filters.agent:
        rows = rows.filter(agent__username=filters.agent)
    return {
        "results": [sel.review_row(s) for s in rows.order_by("agent__username", "id")[:LIST_MAX]]
    }


@router.post(
    "/quality/reviews",
    response={201: ReviewOut},
    summary="Score a sampled ticket on the checklist (inspectors, supervisors; STATS-5)",
)
def review_create(request: HttpRequest, payload: ReviewIn) -> Status[Any]:
    if not svc.can_score(request.user):
        raise PermissionDenied("只有质检员或督办人员可以评分。")
    sample = sel.sample_by_ticket(request.user, payload.ticket)
    svc.review_score(
        actor=request.user,
        sample=sample,
        scores=payload.scores.model_dump(),
        notes=payload.notes.model_dump() if payload.notes else {},
        note=payload.note,
    )
    return Status(201, sel.review_row(sel.sample_get_for_user(request.user, sample.pk)))


# ----------------------------------------------------------------------------- flags

FlagStateCode = Literal["pending", "confirmed", "rejected", "lifted", "expired"]


class FlagFilters(Schema):
    state: FlagStateCode | None = None
    phone: Phone | None = None


class FlagIn(InSchema):
    phone: Phone
    reason: Literal["abuse", "line"]
    note: str = text_field()
    tickets: list[TicketNumber] = Field(default_factory=list, max_length=50)


class FlagDecideIn(InSchema):
    confirm: StrictBool
    note: str = text_field("")


class AppealIn(InSchema):
    grounds: str = text_field()


class AppealDecideIn(InSchema):
    uphold: StrictBool
    note: str = text_field()


class FlagOut(Schema):
    id: int
    phone: str
    reason: str
    state: str
    in_force: bool
    flagged_at: datetime
    flagged_by: str
    decided_at: datetime | None
    valid_until: datetime | None
    appeal_pending: bool
    tickets: list[str]
    note: str


class FlagList(Schema):
    results: list[FlagOut]


class AppealOut(Schema):
    id: int
    flag: int
    state: str
    filed_at: datetime
    decided_at: datetime | None


class CheckOut(Schema):
    flagged: bool
    script: str
    valid_until: datetime | None


def _appeal_row(appeal: Any) -> dict[str, Any]:
    return {
        "id": appeal.pk,
        "flag": appeal.flag_id,
        "state": appeal.state,
        "filed_at": appeal.filed_at,
        "decided_at": appeal.decided_at,
    }


@router.get(
    "/citizens/flags",
    response=FlagList,
    summary="Malicious-caller flags (numbers masked; INTAKE-7)",
)
def flag_list(request: HttpRequest, filters: Query[FlagFilters]) -> dict[str, Any]:
    flags = sel.flag_list(request.user, state=filters.state, phone=filters.phone)
    flags = flags.prefetch_related("appeals")
    return {"results": [sel.flag_row(f) for f in flags[:LIST_MAX]]}


@router.get(
    "/citizens/flags/check",
    response=CheckOut,
    summary="The centre's rule for a number when it calls or is typed (audited; INTAKE-7)",
)
def flag_check(request: HttpRequest, phone: Phone) -> dict[str, Any]:
    """Informs the agent only: a flag never blocks registering a ticket."""
    warning = sel.flag_warning_for(request.user, phone, request=request)
    if warning is None:
        return {"flagged": False, "script": "", "valid_until": None}
    return {"flagged": True, "script": warning.script, "valid_until": warning.valid_until}


@router.post(
    "/citizens/flags",
    response={201: FlagOut},
    summary="Flag a number as a malicious caller, with evidence (INTAKE-7, TJ 第四十五条)",
)
def flag_raise(request: HttpRequest, payload: FlagIn) -> Status[Any]:
    flag = svc.flag_raise(
        actor=request.user,
        phone=payload.phone,
        reason=payload.reason,
        note=payload.note,
        ticket_numbers=list(payload.tickets),
        request=request,
    )
    return Status(201, sel.flag_row(flag, full=True))


@router.get(
    "/citizens/flags/{flag_id}", response=FlagOut, summary="One flag, number in full (audited)"
)
def flag_detail(request: HttpRequest, flag_id: RowId) -> dict[str, Any]:
    return sel.flag_row(sel.flag_get_for_user(request.user, flag_id, request=request), full=True)


@router.post(
    "/citizens/flags/{flag_id}/decide",
    response=FlagOut,
    summary="A supervisor confirms or rejects a flag",
)
def flag_decide(request: HttpRequest, flag_id: RowId, payload: FlagDecideIn) -> dict[str, Any]:
    flag = svc.flag_decide(
        actor=request.user,
        flag=sel.flag_peek(request.user, flag_id),
        confirm=payload.confirm,
        note=payload.note,
        request=request,
    )
    return sel.flag_row(flag)


@router.post(
    "/citizens/flags/{flag_id}/appeals",
    response={201: AppealOut},
    summary="Record the caller's appeal against a flag in force",
)
def appeal_file(request: HttpRequest, flag_id: RowId, payload: AppealIn) -> Status[Any]:
    appeal = svc.appeal_file(
        actor=request.user,
        flag=sel.flag_peek(request.user, flag_id),
        grounds=payload.grounds,
        request=request,
    )
    return Status(201, _appeal_row(appeal))


@router.post(
    "/citizens/flags/appeals/{appeal_id}/decide",
    response=AppealOut,
    summary="A supervisor upholds (lifts the flag) or dismisses an appeal",
)
def appeal_decide(
    request: HttpRequest, appeal_id: RowId, payload: AppealDecideIn
) -> dict[str, Any]:
    appeal = svc.appeal_decide(
        actor=request.user,
        appeal=sel.appeal_get_for_user(request.user, appeal_id),
        uphold=payload.uphold,
        note=payload.note,
        request=request,
    )
    return _appeal_row(appeal)
