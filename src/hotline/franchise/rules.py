"""The written rules of market services, as plain Python (no Django): dispatch order and credit.

DISPATCH-7 / O4 (ZJ-96345 第十四条 "派单应采取就近、公平、信誉好企业优先原则…不得派'人情单'"):
candidates are ranked by the key ``(distance, -credit_band, last_offered, code)``:

1. **nearest**: hops in the gazetteer tree between the request's area and the franchisee's base;
2. **good credit first**: the credit band (recommended and good, good, fair, poor);
3. **fair**: among equals, the one offered this service longest ago (never offered first) — a
   rotation whose every step is an ``Offer`` row, so the order can be replayed from the log;
4. the unit code, so that the order is total and reproducible.

FRANCHISE-6: the credit score (docs/franchise-credit.md) and its stars.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

#: The distance when the franchisee has no base area recorded: after every located one.
FAR = 99

BAND_LABELS = {3: "信用优良且获优先推荐", 2: "信用良好", 1: "信用一般", 0: "信用较差"}


def tree_distance(request_path: str | None, base_path: str | None) -> int:
    """Return the hops between two gazetteer paths (``/D/S/C/``); 0 without a request area."""
    if not request_path:
        return 0
    if not base_path:
        return FAR
    a = [p for p in request_path.split("/") if p]
    b = [p for p in base_path.split("/") if p]
    common = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        common += 1
    return (len(a) - common) + (len(b) - common)


def credit_band(credit: int, recommended: bool) -> int:
    """Return the credit band: 3 recommended and good, 2 good (≥80), 1 fair (≥60), 0 poor."""
    if credit >= 80:
        return 3 if recommended else 2
    if credit >= 60:
        return 1
    return 0


@dataclass(frozen=True)
class Candidate:
    code: str
    distance: int
    credit: int
    recommended: bool
    last_offered: datetime | None

    def key(self) -> tuple[int, int, float, str]:
        last = self.last_offered.timestamp() if self.last_offered is not None else float("-inf")
        return (self.distance, -credit_band(self.credit, self.recommended), last, self.code)

    def reason(self, position: int) -> str:
        last = (
            self.last_offered.isoformat(timespec="seconds")
            if self.last_offered is not None
            else "从未派单"
        )
        distance = "未定位" if self.distance >= FAR else f"距离{self.distance}级"
        return (
            f"第{position}位：{distance}；{BAND_LABELS[credit_band(self.credit, self.recommended)]}"
            f"（{self.credit}分）；上次派此类单：{last}"
        )


def dispatch_order(candidates: list[Candidate]) -> list[Candidate]:
    """Return the candidates in the order the written rule considers them (DISPATCH-7)."""
    return sorted(candidates, key=Candidate.key)


@dataclass(frozen=True)
class CreditInputs:
    """What a franchisee's year consists of (FRANCHISE-6)."""

    served: int = 0
    timeouts: int = 0
    complaints: int = 0
    repeat_complaints: int = 0
    dissatisfied: int = 0
    price_flags: int = 0
    feedback_average: float | None = None


BASE = 90


def credit_score(inputs: CreditInputs) -> int:
    """Return the credit score 0..100 (docs/franchise-credit.md)."""
    score = float(BASE)
    score -= 2 * inputs.timeouts
    score -= 10 * inputs.complaints
    score -= 20 * inputs.repeat_complaints
    score -= 5 * inputs.dissatisfied
    score -= 3 * inputs.price_flags
    if inputs.feedback_average is not None:
        score += (inputs.feedback_average - 3) * 5
    return max(0, min(100, round(score)))


def stars_for(score: int) -> int:
    """Return the star rating (1-5) of a credit score."""
    for threshold, stars in ((95, 5), (85, 4), (70, 3), (60, 2)):
        if score >= threshold:
            return stars
    return 1
