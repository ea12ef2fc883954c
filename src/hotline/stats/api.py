"""The statistics API (issue 14): unit figures, assessment weights, call records.

``GET /api/v1/stats/units?from=&to=[&unit=]``: whole days in Asia/Shanghai, tickets counted in
the period of their registration; supervisors and centre administrators read every unit, a
unit's staff their own. ``POST /api/v1/calls``: CDR records, idempotent by ``call_id``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.http import Http404, HttpRequest
from ninja import Body, Field, Query, Router, Schema
from ninja.errors import AuthorizationError
from pydantic import StringConstraints

from hotline.core.edge import InSchema
from hotline.core.errors import DomainError
from hotline.directory.models import Unit
from hotline.stats import assessment, calls
from hotline.stats.selectors import Period, stats_read_all, unit_figures, units_visible

router = Router(tags=["stats"])
calls_router = Router(tags=["calls"])

#: The longest period one request may ask for (days).
MAX_DAYS = 3 * 366
#: The most call records one request may carry.
MAX_CALLS = 10_000


class UnitsFilters(Schema):
    start: date = Field(..., alias="from")
    end: date = Field(..., alias="to")
    unit: Annotated[str, StringConstraints(max_length=32)] | None = None


class UnitFiguresOut(Schema):
    unit: str
    name: str
    received: int
    replied: int
    on_time: int
    on_time_rate: float | None
    overdue: int
    extended: int
    returned: int
    supervised: int
    callbacks: int
    satisfied: int
    basically_satisfied: int
    dissatisfied: int
    satisfaction_rate: float | None
    score: float


class UnitsOut(Schema):
    results: list[UnitFiguresOut]


def period_check(start: date, end: date) -> Period:
    if end < start:
        raise DomainError("结束日期不能早于开始日期。", code="invalid_input", status=400)
    if (end - start).days > MAX_DAYS:
        raise DomainError("统计期间最长三年。", code="invalid_input", status=400)
    return Period(start, end)


@router.get("/stats/units", response=UnitsOut)
def stats_units(request: HttpRequest, filters: Query[UnitsFilters]) -> dict[str, Any]:
    """Every indicator of the contract per unit (its sub-units included) for the period."""
    period = period_check(filters.start, filters.end)
    visible = units_visible(request.user)
    if filters.unit is not None:
        if not Unit.objects.filter(code=filters.unit).exists():
            raise Http404
        visible = visible.filter(code=filters.unit)
        if not visible.exists():
            raise AuthorizationError
    elif not visible.exists():
        raise AuthorizationError
    return {"results": unit_figures(period, list(visible))}


class WeightsIn(InSchema):
    valid_from: date
    on_time: Decimal = Field(..., ge=0, le=1000, max_digits=6, decimal_places=2)
    satisfaction: Decimal = Field(..., ge=0, le=1000, max_digits=6, decimal_places=2)
    kb_timeliness: Decimal = Field(..., ge=0, le=1000, max_digits=6, decimal_places=2)
    per_order: Decimal = Field(..., ge=0, le=1000, max_digits=6, decimal_places=2)
    per_reminder: Decimal = Field(..., ge=0, le=1000, max_digits=6, decimal_places=2)
    per_notice: Decimal = Field(..., ge=0, le=1000, max_digits=6, decimal_places=2)
    note: Annotated[str, StringConstraints(max_length=200)] = ""


class WeightsOut(Schema):
    version: int
    valid_from: date
    on_time: float
    satisfaction: float
    kb_timeliness: float
    per_order: float
    per_reminder: float
    per_notice: float
    note: str


@router.get("/stats/weights", response=list[WeightsOut])
def weights_list(request: HttpRequest) -> Any:
    """Every version of the assessment weights, newest first."""
    from hotline.stats.models import AssessmentWeights

    if not units_visible(request.user).exists():
        raise AuthorizationError
    return list(AssessmentWeights.objects.order_by("-version"))


@router.post("/stats/weights", response={201: WeightsOut})
def weights_create(request: HttpRequest, payload: WeightsIn) -> Any:
    """A new version of the weights (centre administrators)."""
    return 201, assessment.weights_set(actor=request.user, **payload.dict())


class CallIn(InSchema):
    call_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    number: Annotated[str, StringConstraints(max_length=32)] = ""
    direction: Literal["inbound", "outbound", "in", "out"]
    offered_at: datetime
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    agent: Annotated[str, StringConstraints(max_length=64)] | None = ""
    queue: Annotated[str, StringConstraints(max_length=64)] | None = ""
    recording_url: Annotated[str, StringConstraints(max_length=500)] | None = ""


class CallsOut(Schema):
    created: int
    existing: int


class CallFiguresIn(Schema):
    start: date = Field(..., alias="from")
    end: date = Field(..., alias="to")


class CallTally(Schema):
    offered: int
    answered: int
    abandoned: int
    connection_rate: float | None
    loss_rate: float | None
    average_wait: float | None
    within_15s_rate: float | None


class HourTally(CallTally):
    hour: int


class AgentTally(CallTally):
    agent: str


class CallFiguresOut(Schema):
    total: CallTally
    hours: list[HourTally]
    agents: list[AgentTally]


@calls_router.get("/figures", response=CallFiguresOut)
def calls_figures(request: HttpRequest, filters: Query[CallFiguresIn]) -> dict[str, Any]:
    """The inbound call figures of the period: overall, per hour of day, per agent (STATS-6).

    Supervisors and centre administrators only.
    """
    period = period_check(filters.start, filters.end)
    if not stats_read_all(request.user):
        raise AuthorizationError
    return calls.call_figures(period)


@calls_router.post("", response=CallsOut)
def calls_post(request: HttpRequest, payload: Annotated[list[CallIn], Body()]) -> dict[str, int]:
    """Call records from the telephony system; a ``call_id`` already stored is skipped."""
    if len(payload) > MAX_CALLS:
        raise DomainError(
            f"每次最多上传 {MAX_CALLS} 条通话记录。", code="invalid_input", status=400
        )
    records = [c.dict() for c in payload]
    for record in records:
        for name in ("offered_at", "answered_at", "ended_at"):
            value = record[name]
            if value is not None and value.tzinfo is None:
                raise DomainError(
                    f"{name} 须带时区，如 2026-10-01T09:00:00+08:00。",
                    code="invalid_input",
                    status=400,
                )
    return calls.calls_import(actor=request.user, records=records)
