"""The evaluation API (issue 17): standards, findings, rounds, scores, rectification.

Refusals are ``{"code", "message"}``: 400 bad input (the message names the indicator or
clause), 403 role, 404 not visible, 409 state.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from pydantic import StringConstraints

from hotline.core.edge import InSchema, RowId, text_field
from hotline.core.errors import InvalidInput, NotFound
from hotline.directory.models import Unit
from hotline.evaluation import selectors as sel
from hotline.evaluation import services as svc
from hotline.evaluation.indicators import indicators_compute
from hotline.evaluation.models import Rectification, Round
from hotline.evaluation.standard import StandardError, findings_parse, score_breakdown

router = Router(tags=["evaluation"])

Code = Annotated[str, StringConstraints(max_length=40)]
IndicatorId = Annotated[str, StringConstraints(max_length=16, pattern=r"^[0-9.]+$")]
Points = Annotated[Decimal, Field(ge=0, le=1000, max_digits=6, decimal_places=2)]
Year = Annotated[int, Field(ge=2000, le=2100)]


class DeductionKindIn(Schema):
    kind: Code


class FindingsIn(InSchema):
    standard: Code = "QP-EVAL-2022"
    scores: dict[IndicatorId, Points] = Field(default_factory=dict, max_length=200)
    deductions: list[DeductionKindIn] = Field(default_factory=list, max_length=50)


class BreakdownOut(Schema):
    total: float
    first_level: dict[str, float]
    second_level: dict[str, float]
    deducted: float


class StandardOut(Schema):
    id: str
    title: str
    year: int


class RoundIn(InSchema):
    centre: Annotated[str, StringConstraints(max_length=32)]
    year: Year
    standard: Code = "QP-EVAL-2022"
    period_start: date | None = None
    period_end: date | None = None
    formal_on: date | None = None


class StageOut(Schema):
    step: int
    name: str
    due_on: date | None
    owner: str
    done_at: datetime | None


class ScoreOut(Schema):
    indicator: str
    points: float
    lost_reason: str
    computed_points: float | None
    overrule_reason: str


class RectificationOut(Schema):
    id: int
    indicator: str
    points_lost: float
    problem: str
    measure: str
    track: str
    owner: str
    deadline: date
    state: str


class RoundOut(Schema):
    id: int
    centre: str
    year: int
    standard: str
    state: str
    breakdown: BreakdownOut
    stages: list[StageOut]
    scores: list[ScoreOut]
    rectifications: list[RectificationOut]


class RoundList(Schema):
    results: list[RoundOut]


class ScoreIn(InSchema):
    indicator: IndicatorId
    points: Points
    lost_reason: str = text_field("")
    overrule_reason: str = text_field("")


class DeductionIn(InSchema):
    kind: Code
    description: str = text_field()


class StageIn(InSchema):
    owner: str = text_field("", max_length=200)
    note: str = text_field("")
    done: bool = False


class RectificationIn(InSchema):
    indicator: IndicatorId
    measure: str = text_field()
    owner: str = text_field(max_length=100)
    deadline: date | None = None
    working_days: Annotated[int, Field(ge=1, le=250)] | None = None
    track: Literal["immediate", "planned"] = "planned"
    problem: str = text_field("")


class RectificationNoteIn(InSchema):
    note: str = text_field()


class RankingFilter(Schema):
    year: Year


class YearFilter(Schema):
    year: Year | None = None


class RankOut(Schema):
    rank: int
    round: int
    centre: str
    total: float
    deducted: float


class RankingOut(Schema):
    year: int
    results: list[RankOut]


def _rect_row(r: Rectification) -> dict[str, Any]:
    return {
        "id": r.pk,
        "indicator": r.indicator,
        "points_lost": float(r.points_lost),
        "problem": r.problem,
        "measure": r.measure,
        "track": r.track,
        "owner": r.owner_name,
        "deadline": r.deadline,
        "state": r.state,
    }


def _round_row(r: Round) -> dict[str, Any]:
    return {
        "id": r.pk,
        "centre": r.centre.code,
        "year": r.year,
        "standard": r.standard,
        "state": r.state,
        "breakdown": sel.round_breakdown(r).as_json(),
        "stages": [
            {
                "step": s.step,
                "name": s.name,
                "due_on": s.due_on,
                "owner": s.owner_name,
                "done_at": s.done_at,
            }
            for s in r.stages.all()
        ],
        "scores": [
            {
                "indicator": s.indicator,
                "points": float(s.points),
                "lost_reason": s.lost_reason,
                "computed_points": None if s.computed_points is None else float(s.computed_points),
                "overrule_reason": s.overrule_reason,
            }
            for s in r.scores.all()
        ],
        "rectifications": [_rect_row(x) for x in r.rectifications.all()],
    }


def _round(request: HttpRequest, round_id: int) -> Round:
    return sel.round_get_for_user(request.user, round_id)


@router.get("/evaluation/standards", response=list[StandardOut], summary="Scoring standards")
def standard_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [{"id": i, "title": t, "year": y} for i, t, y in svc.standards_available()]


@router.post(
    "/evaluation/score",
    response=BreakdownOut,
    summary="Score a set of findings: total, subtotals and deduction (EVAL-1, EVAL-2)",
)
def findings_score(request: HttpRequest, payload: FindingsIn) -> dict[str, Any]:
    data = payload.dict()
    try:
        standard, scores, kinds = findings_parse(data, svc.standard_get)
        return score_breakdown(standard, scores, kinds).as_json()
    except StandardError as exc:
        raise InvalidInput(str(exc), extra={"where": exc.where}) from None


@router.get("/evaluation/rounds", response=RoundList, summary="Evaluation rounds visible to you")
def round_list(request: HttpRequest, filters: Query[YearFilter]) -> dict[str, Any]:
    rounds = sel.rounds_visible_to(request.user).prefetch_related(
        "stages", "scores", "deductions", "rectifications"
    )
    if filters.year is not None:
        rounds = rounds.filter(year=filters.year)
    return {"results": [_round_row(r) for r in rounds[:200]]}


@router.post("/evaluation/rounds", response={201: RoundOut}, summary="Open a round (EVAL-3)")
def round_create(request: HttpRequest, payload: RoundIn) -> Status[Any]:
    centre = Unit.objects.filter(code=payload.centre, active=True).first()
    if centre is None:
        raise NotFound(f"没有编码为“{payload.centre}”的单位。")
    rnd = svc.round_create(
        actor=request.user,
        centre=centre,
        year=payload.year,
        standard=payload.standard,
        period_start=payload.period_start,
        period_end=payload.period_end,
        formal_on=payload.formal_on,
    )
    return Status(201, _round_row(rnd))


@router.get("/evaluation/rounds/{round_id}", response=RoundOut, summary="A round")
def round_get(request: HttpRequest, round_id: RowId) -> dict[str, Any]:
    return _round_row(_round(request, round_id))


@router.get(
    "/evaluation/rounds/{round_id}/indicators",
    summary="Indicators computed from the platform's tickets and callbacks (EVAL-5)",
)
def round_indicators(request: HttpRequest, round_id: RowId) -> dict[str, Any]:
    rnd = _round(request, round_id)
    found = indicators_compute(
        svc.standard_get(rnd.standard),
        centre_id=rnd.centre_id,
        start=rnd.period_start,
        end=rnd.period_end,
    )
    return {key: c.as_json() for key, c in found.items()}


@router.post(
    "/evaluation/rounds/{round_id}/scores",
    response=ScoreOut,
    summary="Score a second-level indicator, with the reason for lost points (A23)",
)
def score_record(request: HttpRequest, round_id: RowId, payload: ScoreIn) -> dict[str, Any]:
    rnd = _round(request, round_id)
    std = svc.standard_get(rnd.standard)
    computed = indicators_compute(
        std, centre_id=rnd.centre_id, start=rnd.period_start, end=rnd.period_end
    ).get(payload.indicator)
    score = svc.score_record(
        actor=request.user,
        round=rnd,
        indicator=payload.indicator,
        points=payload.points,
        lost_reason=payload.lost_reason,
        computed=computed.as_json() if computed else None,
        overrule_reason=payload.overrule_reason,
    )
    return {
        "indicator": score.indicator,
        "points": float(score.points),
        "lost_reason": score.lost_reason,
        "computed_points": None if score.computed_points is None else float(score.computed_points),
        "overrule_reason": score.overrule_reason,
    }


@router.post(
    "/evaluation/rounds/{round_id}/deductions",
    response={201: BreakdownOut},
    summary="Record a deduction (EVAL-2): each kind deducts once, at most 15 in total",
)
def deduction_record(request: HttpRequest, round_id: RowId, payload: DeductionIn) -> Status[Any]:
    rnd = _round(request, round_id)
    svc.deduction_record(
        actor=request.user, round=rnd, kind=payload.kind, description=payload.description
    )
    return Status(201, sel.round_breakdown(rnd).as_json())


@router.post(
    "/evaluation/rounds/{round_id}/stages/{step}",
    response=StageOut,
    summary="Set a stage's owner or mark it done (EVAL-3)",
)
def stage_update(
    request: HttpRequest,
    round_id: RowId,
    step: Annotated[int, Field(ge=1, le=20)],
    payload: StageIn,
) -> dict[str, Any]:
    rnd = _round(request, round_id)
    stage = rnd.stages.filter(step=step).first()
    if stage is None:
        raise NotFound()
    stage = svc.stage_update(
        actor=request.user,
        stage=stage,
        owner_name=payload.owner or None,
        note=payload.note,
        done=payload.done,
    )
    return {
        "step": stage.step,
        "name": stage.name,
        "due_on": stage.due_on,
        "owner": stage.owner_name,
        "done_at": stage.done_at,
    }


@router.post(
    "/evaluation/rounds/{round_id}/rectifications",
    response={201: RectificationOut},
    summary="Turn lost points into a rectification item (EVAL-4)",
)
def rectification_open(
    request: HttpRequest, round_id: RowId, payload: RectificationIn
) -> Status[Any]:
    rnd = _round(request, round_id)
    item = svc.rectification_open(
        actor=request.user,
        round=rnd,
        indicator=payload.indicator,
        measure=payload.measure,
        owner_name=payload.owner,
        deadline=payload.deadline,
        working_days=payload.working_days,
        track=payload.track,
        problem=payload.problem,
    )
    return Status(201, _rect_row(item))


@router.post(
    "/evaluation/rectifications/{item_id}/done",
    response=RectificationOut,
    summary="The centre reports an item fixed",
)
def rectification_done(
    request: HttpRequest, item_id: RowId, payload: RectificationNoteIn
) -> dict[str, Any]:
    item = sel.rectification_get_for_user(request.user, item_id)
    return _rect_row(svc.rectification_done(actor=request.user, item=item, note=payload.note))


@router.post(
    "/evaluation/rectifications/{item_id}/close",
    response=RectificationOut,
    summary="The evaluator verifies and closes an item",
)
def rectification_close(
    request: HttpRequest, item_id: RowId, payload: RectificationNoteIn
) -> dict[str, Any]:
    item = sel.rectification_get_for_user(request.user, item_id)
    return _rect_row(svc.rectification_close(actor=request.user, item=item, note=payload.note))


@router.get(
    "/evaluation/ranking", response=RankingOut, summary="Centres ranked by total for a year"
)
def ranking(request: HttpRequest, filters: Query[RankingFilter]) -> dict[str, Any]:
    rows = sel.ranking(filters.year, request.user)
    return {
        "year": filters.year,
        "results": [
            {
                "rank": rank,
                "round": r.pk,
                "centre": r.centre.code,
                "total": float(b.total),
                "deducted": float(b.deducted),
            }
            for rank, r, b in rows
        ],
    }
