"""A scoring standard as data: load, validate, and score a set of findings (EVAL-1, EVAL-2).

Pure Python (no Django): the tree comes from a versioned YAML file (the 2022 Qingpu standard
ships in ``standards/``; a centre may load a later year's). Every refusal is a
``StandardError`` whose message names the clause or indicator at fault.

Readings §1.8 and A23/A24 fix the arithmetic:

- points exist only at the first and second level; a clause carrying points is refused;
- the second-level points of a first-level indicator add up to its points, and the first-level
  points to the standard's total (100); the page-break duplicate "运行保障(23分)" at 5.2.1
  counts once, so a second first-level "5" is refused as a duplicate;
- an evaluator scores each second-level indicator from 0 to its points in 0.5 steps;
- each deduction item applies at most once per round, the total deduction is
  ``min(max_total_deduction, sum of the triggered items)`` and the final score is never
  below 0 (A24, "最高扣15分，不累计扣分").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

#: Where the shipped standards live, one file per standard id.
SHIPPED_DIR = Path(__file__).resolve().parent / "standards"
#: The standard the platform ships with.
DEFAULT_STANDARD = "QP-EVAL-2022"
#: Scores are given in half points (A23).
STEP = Decimal("0.5")
#: The deduction kinds of the 2022 standard, by item id (the seed numbers them only "8").
DEFAULT_DEDUCTION_KINDS = {"8.1": "negative_publicity", "8.2": "serious_violation"}

_FIRST_ID = re.compile(r"^[1-9][0-9]*$")


class StandardError(ValueError):
    """A standard or a set of findings that cannot be used; ``where`` names the clause."""

    def __init__(self, message: str, *, where: str = "") -> None:
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)


@dataclass(frozen=True)
class Clause:
    id: str
    item: str
    text: str
    note: str = ""


@dataclass(frozen=True)
class SecondLevel:
    id: str
    name: str
    points: Decimal
    clauses: tuple[Clause, ...]
    parent: str


@dataclass(frozen=True)
class FirstLevel:
    id: str
    name: str
    points: Decimal
    children: tuple[SecondLevel, ...]


@dataclass(frozen=True)
class DeductionItem:
    id: str
    kind: str
    name: str
    points: Decimal  # the amount deducted, positive
    text: str


@dataclass(frozen=True)
class RoundStep:
    step: int
    name: str
    due: str
    actor: str
    text: str


@dataclass(frozen=True)
class Standard:
    """A validated scoring standard."""

    id: str
    title: str
    year: int
    total_points: Decimal
    indicators: tuple[FirstLevel, ...]
    deductions: tuple[DeductionItem, ...]
    max_deduction: Decimal
    deduction_rule: str
    steps: tuple[RoundStep, ...]
    rectification_rule: str = ""
    source: dict[str, Any] = field(default_factory=dict)

    def second_level(self) -> dict[str, SecondLevel]:
        """Return every second-level indicator by id, in the standard's order."""
        return {s.id: s for f in self.indicators for s in f.children}

    def first_level(self) -> dict[str, FirstLevel]:
        return {f.id: f for f in self.indicators}

    def deduction_kinds(self) -> dict[str, DeductionItem]:
        return {d.kind: d for d in self.deductions}


def _points(value: Any, where: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise StandardError("points must be a number", where=where)
    try:
        points = Decimal(str(value))
    except InvalidOperation:
        raise StandardError(f"points {value!r} is not a number", where=where) from None
    if not points.is_finite():
        raise StandardError(f"points {value!r} is not a number", where=where)
    return points


def _text(node: Mapping[str, Any], key: str, where: str) -> str:
    value = node.get(key)
    if not isinstance(value, str) or not value.strip():
        raise StandardError(f"'{key}' is missing or empty", where=where)
    return value.strip()


def _id(node: Mapping[str, Any], where: str) -> str:
    value = node.get("id")
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise StandardError("'id' is missing", where=where)
    return value.strip()


def _list(node: Mapping[str, Any], key: str, where: str) -> list[Any]:
    value = node.get(key)
    if not isinstance(value, list) or not value:
        raise StandardError(f"'{key}' must be a non-empty list", where=where)
    return value


def standard_parse(data: Any) -> Standard:
    """Return the validated standard in ``data`` (the parsed YAML); raise ``StandardError``."""
    if not isinstance(data, Mapping) or not isinstance(data.get("standard"), Mapping):
        raise StandardError("the file has no 'standard' mapping")
    root = data["standard"]
    sid = _id(root, "standard")
    title = _text(root, "title", sid)
    year = root.get("year")
    if year is None:
        found = re.search(r"(19|20)\d\d", sid)
        year = int(found.group(0)) if found else None
    if not isinstance(year, int) or isinstance(year, bool):
        raise StandardError("'year' is missing and the id names no year", where=sid)
    total = _points(root.get("total_points"), f"{sid} total_points")
    seen: set[str] = set()
    firsts: list[FirstLevel] = []
    for n, node in enumerate(_list(root, "indicators", sid), start=1):
        if not isinstance(node, Mapping):
            raise StandardError("an indicator must be a mapping", where=f"indicator #{n}")
        fid = _id(node, f"indicator #{n}")
        if not _FIRST_ID.match(fid):
            raise StandardError("a first-level id is a plain number such as '5'", where=fid)
        if fid in seen:
            raise StandardError(
                "appears twice (a repeated table header, such as '运行保障(23分)' at 5.2.1, "
                "counts once)",
                where=fid,
            )
        seen.add(fid)
        fpoints = _points(node.get("points"), fid)
        if fpoints <= 0:
            raise StandardError("first-level points must be positive", where=fid)
        seconds: list[SecondLevel] = []
        for m, child in enumerate(_list(node, "children", fid), start=1):
            if not isinstance(child, Mapping):
                raise StandardError("an indicator must be a mapping", where=f"{fid} child #{m}")
            cid = _id(child, f"{fid} child #{m}")
            if not cid.startswith(f"{fid}.") or not _FIRST_ID.match(cid[len(fid) + 1 :]):
                raise StandardError(f"a second-level id under {fid} is '{fid}.N'", where=cid)
            if cid in seen:
                raise StandardError("appears twice", where=cid)
            seen.add(cid)
            cpoints = _points(child.get("points"), cid)
            if cpoints <= 0:
                raise StandardError("second-level points must be positive", where=cid)
            if cpoints % STEP:
                raise StandardError("points must be whole or half points", where=cid)
            clauses: list[Clause] = []
            for k, clause in enumerate(_list(child, "clauses", cid), start=1):
                if not isinstance(clause, Mapping):
                    raise StandardError("a clause must be a mapping", where=f"{cid} clause #{k}")
                kid = _id(clause, f"{cid} clause #{k}")
                own = kid == cid
                if not own and not (
                    kid.startswith(f"{cid}.") and _FIRST_ID.match(kid[len(cid) + 1 :])
                ):
                    raise StandardError(f"a clause under {cid} is '{cid}' or '{cid}.N'", where=kid)
                if kid in seen and not own:
                    raise StandardError("appears twice", where=kid)
                seen.add(kid)
                if "points" in clause:
                    raise StandardError(
                        "clauses carry no points: points exist only at the first and "
                        "second level (readings §1.8)",
                        where=kid,
                    )
                clauses.append(
                    Clause(
                        id=kid,
                        item=_text(clause, "item", kid),
                        text=_text(clause, "text", kid),
                        note=str(clause.get("note") or ""),
                    )
                )
            if any(c.id == cid for c in clauses) and len(clauses) > 1:
                raise StandardError("is its own clause and has other clauses too", where=cid)
            seconds.append(
                SecondLevel(
                    id=cid,
                    name=_text(child, "name", cid),
                    points=cpoints,
                    clauses=tuple(clauses),
                    parent=fid,
                )
            )
        subtotal = sum((s.points for s in seconds), Decimal(0))
        if subtotal != fpoints:
            raise StandardError(
                f"second-level points add up to {subtotal:g}, not the {fpoints:g} of the "
                "first-level indicator",
                where=fid,
            )
        firsts.append(
            FirstLevel(
                id=fid, name=_text(node, "name", fid), points=fpoints, children=tuple(seconds)
            )
        )
    grand = sum((f.points for f in firsts), Decimal(0))
    if grand != total:
        raise StandardError(
            f"first-level points add up to {grand:g}, not total_points {total:g}", where=sid
        )
    deductions, max_deduction, rule = _deductions(root.get("deductions"), sid, seen)
    steps = tuple(_steps(root.get("round_steps"), sid))
    rect = root.get("rectification_rule")
    rect_text = str(rect.get("text", "")) if isinstance(rect, Mapping) else ""
    source = root.get("source")
    return Standard(
        id=sid,
        title=title,
        year=year,
        total_points=total,
        indicators=tuple(firsts),
        deductions=deductions,
        max_deduction=max_deduction,
        deduction_rule=rule,
        steps=steps,
        rectification_rule=rect_text,
        source=dict(source) if isinstance(source, Mapping) else {},
    )


def _deductions(
    node: Any, sid: str, seen: set[str]
) -> tuple[tuple[DeductionItem, ...], Decimal, str]:
    if node is None:
        return (), Decimal(0), ""
    if not isinstance(node, Mapping):
        raise StandardError("'deductions' must be a mapping", where=sid)
    where = str(node.get("id") or "deductions")
    if node.get("cumulative", False):
        raise StandardError("cumulative deductions are not supported (EVAL-2)", where=where)
    cap = _points(node.get("max_total_deduction"), f"{where} max_total_deduction")
    if cap <= 0:
        raise StandardError("max_total_deduction must be positive", where=where)
    items: list[DeductionItem] = []
    kinds: set[str] = set()
    for n, item in enumerate(_list(node, "items", where), start=1):
        if not isinstance(item, Mapping):
            raise StandardError("a deduction item must be a mapping", where=f"{where} item #{n}")
        did = _id(item, f"{where} item #{n}")
        if did in seen:
            raise StandardError("appears twice", where=did)
        seen.add(did)
        kind = str(item.get("kind") or DEFAULT_DEDUCTION_KINDS.get(did, ""))
        if not re.match(r"^[a-z][a-z_]*$", kind):
            raise StandardError("a deduction item needs a 'kind' code such as 'x_y'", where=did)
        if kind in kinds:
            raise StandardError(f"deduction kind {kind!r} appears twice", where=did)
        kinds.add(kind)
        points = _points(item.get("points"), did)
        if points == 0:
            raise StandardError("a deduction must deduct something", where=did)
        items.append(
            DeductionItem(
                id=did,
                kind=kind,
                name=_text(item, "name", did),
                points=abs(points),
                text=_text(item, "text", did),
            )
        )
    return tuple(items), cap, str(node.get("rule_text") or "")


def _steps(node: Any, sid: str) -> list[RoundStep]:
    if node is None:
        return []
    if not isinstance(node, list):
        raise StandardError("'round_steps' must be a list", where=sid)
    steps: list[RoundStep] = []
    for n, step in enumerate(node, start=1):
        where = f"round step {n}"
        if not isinstance(step, Mapping) or step.get("step") != n:
            raise StandardError(f"steps are numbered 1, 2, … in order (expected {n})", where=where)
        steps.append(
            RoundStep(
                step=n,
                name=_text(step, "name", where),
                due=str(step.get("due") or ""),
                actor=str(step.get("actor") or ""),
                text=str(step.get("text") or ""),
            )
        )
    return steps


def standard_load_text(text: str, *, name: str = "") -> Standard:
    """Parse YAML ``text`` and validate it; YAML errors become ``StandardError`` too."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise StandardError(f"not valid YAML: {exc}", where=name or "file") from None
    return standard_parse(data)


def shipped_standards() -> dict[str, Path]:
    """Return the files of the standards shipped with the platform, by standard id."""
    return {p.stem: p for p in sorted(SHIPPED_DIR.glob("*.yaml"))}


_cache: dict[str, Standard] = {}


def shipped_standard(sid: str = DEFAULT_STANDARD) -> Standard:
    """Return a shipped standard, validated once per process; ``StandardError`` if unknown."""
    if sid not in _cache:
        path = shipped_standards().get(sid)
        if path is None:
            raise StandardError(f"unknown standard {sid!r}", where="standard")
        standard = standard_load_text(path.read_text(encoding="utf-8"), name=path.name)
        if standard.id != sid:
            raise StandardError(f"the file {path.name} holds {standard.id}", where=sid)
        _cache[sid] = standard
    return _cache[sid]


# --- scoring ---------------------------------------------------------------------------------


def score_check(standard: Standard, indicator: str, value: Any) -> Decimal:
    """Return ``value`` as a score of the second-level ``indicator``, or refuse it (A23)."""
    seconds = standard.second_level()
    target = seconds.get(indicator)
    if target is None:
        if indicator in standard.first_level():
            raise StandardError(
                "is a first-level indicator: score its second-level indicators", where=indicator
            )
        raise StandardError(
            "is not a second-level indicator of the standard (clauses carry no points)",
            where=indicator,
        )
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise StandardError("the score must be a number", where=indicator)
    try:
        score = Decimal(str(value))
    except InvalidOperation:
        raise StandardError(f"the score {value!r} is not a number", where=indicator) from None
    if not score.is_finite() or score < 0:
        raise StandardError("the score must be 0 or more", where=indicator)
    if score > target.points:
        raise StandardError(
            f"the score {score:g} is above the indicator's {target.points:g} points "
            f"({target.name})",
            where=indicator,
        )
    if score % STEP:
        raise StandardError("scores are given in steps of 0.5 (A23)", where=indicator)
    return score


def deduction_total(standard: Standard, kinds: Iterable[str]) -> Decimal:
    """Return the points deducted for the triggered ``kinds`` (EVAL-2, A24).

    Each kind counts once however often it occurred; the sum is capped at the standard's
    ``max_total_deduction`` (15): "最高扣15分，不累计扣分".
    """
    items = standard.deduction_kinds()
    triggered: set[str] = set()
    for kind in kinds:
        if kind not in items:
            raise StandardError(
                f"unknown deduction kind {kind!r}; the kinds are "
                + ", ".join(f"{d.kind} ({d.id})" for d in standard.deductions),
                where="deductions",
            )
        triggered.add(kind)
    raw = sum((items[k].points for k in triggered), Decimal(0))
    return min(raw, standard.max_deduction)


@dataclass(frozen=True)
class Breakdown:
    total: Decimal
    raw: Decimal
    first_level: dict[str, Decimal]
    second_level: dict[str, Decimal]
    deducted: Decimal

    def as_json(self) -> dict[str, Any]:
        """Return the contract's JSON: ``{"total", "first_level", "second_level", "deducted"}``."""
        return {
            "total": float(self.total),
            "first_level": {k: float(v) for k, v in self.first_level.items()},
            "second_level": {k: float(v) for k, v in self.second_level.items()},
            "deducted": float(self.deducted),
        }


def score_breakdown(
    standard: Standard, scores: Mapping[str, Any], deductions: Iterable[str] = ()
) -> Breakdown:
    """Return the total, the first- and second-level subtotals and the deduction.

    A second-level indicator without a score counts 0. A first-level score is the sum of its
    second-level scores (A23); the total is never below 0 (A24).
    """
    checked = {key: score_check(standard, str(key), value) for key, value in scores.items()}
    second = {sid: checked.get(sid, Decimal(0)) for sid in standard.second_level()}
    first = {f.id: sum((second[s.id] for s in f.children), Decimal(0)) for f in standard.indicators}
    raw = sum(first.values(), Decimal(0))
    deducted = deduction_total(standard, deductions)
    return Breakdown(
        total=max(Decimal(0), raw - deducted),
        raw=raw,
        first_level=first,
        second_level=second,
        deducted=deducted,
    )


def findings_parse(data: Any, standard_for: Any) -> tuple[Standard, dict[str, Any], list[str]]:
    """Read a findings document ``{"standard", "scores", "deductions"}``.

    ``standard_for(id)`` returns the standard. Refusals are ``StandardError``.
    """
    if not isinstance(data, Mapping):
        raise StandardError("the findings must be a JSON object", where="findings")
    sid = data.get("standard", DEFAULT_STANDARD)
    if not isinstance(sid, str):
        raise StandardError(
            "'standard' must be a standard id such as QP-EVAL-2022", where="standard"
        )
    standard = standard_for(sid)
    scores = data.get("scores", {})
    if not isinstance(scores, Mapping):
        raise StandardError("'scores' must map indicator ids to points", where="scores")
    raw = data.get("deductions", [])
    if not isinstance(raw, list):
        raise StandardError("'deductions' must be a list", where="deductions")
    kinds: list[str] = []
    for n, item in enumerate(raw, start=1):
        kind = item.get("kind") if isinstance(item, Mapping) else item
        if not isinstance(kind, str):
            raise StandardError(f"item {n} has no 'kind'", where="deductions")
        kinds.append(kind)
    return standard, dict(scores), kinds
