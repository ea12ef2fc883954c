"""Unit assessment (STATS-4, SH 第二十四条, TJ 第二十四条/第二十九条): a score from weighted rates.

score = 100 × Σ wᵢ·rateᵢ / Σ wᵢ over the rates that have a denominator (on-time completion,
satisfaction, knowledge-base timeliness), minus the deductions per supervision order, reminder
notice and public notice, never below 0. With no rate to weigh the base is 100.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction

from hotline.core.errors import DomainError
from hotline.stats.models import AssessmentWeights


@dataclass(frozen=True)
class Weights:
    version: int
    on_time: float
    satisfaction: float
    kb_timeliness: float
    per_order: float
    per_reminder: float
    per_notice: float


#: Used until the centre administrator sets the first version.
DEFAULT = Weights(0, 40.0, 40.0, 20.0, 2.0, 1.0, 5.0)


def _weights(row: AssessmentWeights) -> Weights:
    return Weights(
        row.version,
        float(row.on_time),
        float(row.satisfaction),
        float(row.kb_timeliness),
        float(row.per_order),
        float(row.per_reminder),
        float(row.per_notice),
    )


def weights_for(day: date) -> Weights:
    """Return the weights in force on ``day`` (the newest version valid from then or before)."""
    row = AssessmentWeights.objects.filter(valid_from__lte=day).order_by("-version").first()
    if row is None:
        row = AssessmentWeights.objects.order_by("version").first()
    return DEFAULT if row is None else _weights(row)


def weights_set(
    *,
    actor: Any,
    valid_from: date,
    on_time: Decimal,
    satisfaction: Decimal,
    kb_timeliness: Decimal,
    per_order: Decimal,
    per_reminder: Decimal,
    per_notice: Decimal,
    note: str = "",
) -> AssessmentWeights:
    """Store a new version of the weights (centre administrators only)."""
    if not (getattr(actor, "is_superuser", False) or "centre_admin" in actor.roles):
        raise DomainError("只有中心管理员可以设置考核权重。", code="forbidden", status=403)
    values = [on_time, satisfaction, kb_timeliness, per_order, per_reminder, per_notice]
    if any(v < 0 for v in values) or on_time + satisfaction + kb_timeliness <= 0:
        raise DomainError(
            "权重不能为负，且三项指标权重之和须大于0。", code="invalid_input", status=400
        )
    with transaction.atomic():
        last = AssessmentWeights.objects.select_for_update().order_by("-version").first()
        return AssessmentWeights.objects.create(
            version=(last.version + 1) if last else 1,
            valid_from=valid_from,
            on_time=on_time,
            satisfaction=satisfaction,
            kb_timeliness=kb_timeliness,
            per_order=per_order,
            per_reminder=per_reminder,
            per_notice=per_notice,
            note=note,
            set_by=actor,
        )


def score_for(row: dict[str, Any], weights: Weights) -> float:
    """Return the score of one unit's figures ``row`` under ``weights``."""
    parts = [
        (weights.on_time, row["on_time_rate"]),
        (weights.satisfaction, row["satisfaction_rate"]),
        (weights.kb_timeliness, row["kb_timeliness_rate"]),
    ]
    weighed = [(w, r) for w, r in parts if r is not None and w > 0]
    total = sum(w for w, _ in weighed)
    base = 100.0 * sum(w * r for w, r in weighed) / total if total else 100.0
    deductions = (
        weights.per_order * row["supervised"]
        + weights.per_reminder * row["reminders"]
        + weights.per_notice * row["notices"]
    )
    return round(max(0.0, float(base - deductions)), 2)
