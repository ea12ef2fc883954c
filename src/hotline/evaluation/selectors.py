"""Reads: who sees which round, the round's breakdown, the ranking and the trends."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from hotline.core.errors import NotFound
from hotline.evaluation.models import Deduction, Evidence, Rectification, Round, Score
from hotline.evaluation.services import standard_get
from hotline.evaluation.standard import Breakdown, SecondLevel, Standard, score_breakdown


def rounds_visible_to(user: Any) -> QuerySet[Round]:
    """Evaluators see every round; a centre's staff see the centre's own rounds."""
    rounds = Round.objects.select_related("centre")
    if user is not None and user.can("evaluation.manage"):
        return rounds
    if user is not None and getattr(user, "unit_id", None):
        return rounds.filter(centre_id=user.unit_id)
    return rounds.none()


def round_get_for_user(user: Any, pk: int) -> Round:
    found = rounds_visible_to(user).filter(pk=pk).first()
    if found is None:
        raise NotFound()
    return found


def rectification_get_for_user(user: Any, pk: int) -> Rectification:
    found = (
        Rectification.objects.filter(round__in=rounds_visible_to(user), pk=pk)
        .select_related("round__centre")
        .first()
    )
    if found is None:
        raise NotFound()
    return found


def round_breakdown(round: Round, standard: Standard | None = None) -> Breakdown:
    """Return the round's total, subtotals and deduction (EVAL-2, A23, A24)."""
    std = standard or standard_get(round.standard)
    scores = {s.indicator: s.points for s in round.scores.all()}
    kinds = [d.kind for d in round.deductions.all()]
    return score_breakdown(std, scores, kinds)


@dataclass
class IndicatorRow:
    indicator: SecondLevel
    score: Score | None
    evidence: list[Evidence] = field(default_factory=list)
    rectifications: list[Rectification] = field(default_factory=list)
    previous: Decimal | None = None

    @property
    def lost(self) -> Decimal | None:
        return None if self.score is None else self.indicator.points - self.score.points


@dataclass
class RoundView:
    round: Round
    standard: Standard
    breakdown: Breakdown
    groups: list[tuple[Any, Decimal, list[IndicatorRow]]]
    deductions: list[Deduction]
    deductions_applied: list[tuple[str, str, Decimal]]
    rectifications: list[Rectification]
    previous: Round | None
    previous_items: list[Rectification]
    scored: int
    lost_rows: list[IndicatorRow]


def round_previous(round: Round) -> Round | None:
    """Return the centre's latest earlier round: its rectification items show what was fixed."""
    return (
        Round.objects.filter(centre_id=round.centre_id, year__lt=round.year)
        .order_by("-year")
        .first()
    )


def round_view(round: Round) -> RoundView:
    """Everything the round page and the PDF show, in a fixed number of queries."""
    std = standard_get(round.standard)
    scores = {s.indicator: s for s in round.scores.select_related("scored_by")}
    evidence = list(round.evidence.all())
    rects = list(round.rectifications.select_related("owner"))
    deductions = list(round.deductions.all())
    breakdown = score_breakdown(
        std, {k: s.points for k, s in scores.items()}, [d.kind for d in deductions]
    )
    previous = round_previous(round)
    prev_scores: dict[str, Decimal] = {}
    previous_items: list[Rectification] = []
    if previous is not None:
        prev_scores = dict(previous.scores.values_list("indicator", "points"))
        previous_items = list(previous.rectifications.all())
    groups = []
    lost_rows = []
    for first in std.indicators:
        rows = []
        for second in first.children:
            row = IndicatorRow(
                indicator=second,
                score=scores.get(second.id),
                evidence=[e for e in evidence if e.indicator == second.id],
                rectifications=[r for r in rects if r.indicator == second.id],
                previous=prev_scores.get(second.id),
            )
            rows.append(row)
            if row.lost:
                lost_rows.append(row)
        groups.append((first, breakdown.first_level[first.id], rows))
    kinds = std.deduction_kinds()
    applied = [
        (kinds[k].id, kinds[k].name, kinds[k].points)
        for k in sorted({d.kind for d in deductions}, key=lambda k: kinds[k].id)
        if k in kinds
    ]
    return RoundView(
        round=round,
        standard=std,
        breakdown=breakdown,
        groups=groups,
        deductions=deductions,
        deductions_applied=applied,
        rectifications=rects,
        previous=previous,
        previous_items=previous_items,
        scored=len(scores),
        lost_rows=lost_rows,
    )


def ranking(year: int, user: Any) -> list[tuple[int, Round, Breakdown]]:
    """Return the year's rounds ranked by total, highest first (equal totals share a rank)."""
    rows = []
    for rnd in rounds_visible_to(user).filter(year=year).prefetch_related("scores", "deductions"):
        rows.append((rnd, round_breakdown(rnd)))
    rows.sort(key=lambda r: (-r[1].total, r[0].centre.code))
    ranked = []
    rank = 0
    last: Decimal | None = None
    for n, (rnd, bd) in enumerate(rows, start=1):
        if bd.total != last:
            rank, last = n, bd.total
        ranked.append((rank, rnd, bd))
    return ranked


def trend(centre_id: int, user: Any) -> tuple[list[int], list[tuple[str, str, list[Any]]]]:
    """Return the years and, per indicator (total and second level), its score each year."""
    rounds = list(
        rounds_visible_to(user)
        .filter(centre_id=centre_id)
        .order_by("year")
        .prefetch_related("scores", "deductions")
    )
    if not rounds:
        raise NotFound()
    years = [r.year for r in rounds]
    breakdowns = [round_breakdown(r) for r in rounds]
    std = standard_get(rounds[-1].standard)
    lines: list[tuple[str, str, list[Any]]] = [("", "总分", [b.total for b in breakdowns])]
    for second in std.second_level().values():
        lines.append(
            (
                second.id,
                second.name,
                [{s.indicator: s.points for s in r.scores.all()}.get(second.id) for r in rounds],
            )
        )
    return years, lines
