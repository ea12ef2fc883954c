"""The dispatch suggestion (DISPATCH-1): which category a request is, which unit should get it.

Three signals, each with the reason the agent is shown:

- **learned** (``learn.TextClassifier``, trained by ``suggest_train`` on the centre's own
  dispatched tickets, and for the demo on the Teddy Cup messages): the request's category, the
  units similar requests were dispatched to (历史工单：相似诉求曾派往此单位), and the units
  requests of the same category were dispatched to (历史工单：同类诉求多派往此单位);
- **responsibility lists** (``keywords.unit_suggestions``): a keyword of a unit's list in the
  request (职责清单关键词：井盖);
- **the area**: the sub-district office or committee governing the request's area or an area
  around it (属地：东门街道).

Before any model is trained the suggestion is the lists and the area alone, with no category.
The model is the newest ``LearnedModel`` row, loaded once per process and reloaded when a newer
row appears (one indexed query per suggestion).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from hotline.core.categories import Category
from hotline.directory.models import Area, Unit
from hotline.suggest import learn
from hotline.suggest.keywords import unit_suggestions
from hotline.suggest.models import KEEP, LearnedModel
from hotline.tickets.models import Assignment, Ticket

log = logging.getLogger(__name__)

#: Fewer examples than this (or a single label) and a part of the model is not trained.
MIN_EXAMPLES = 10
#: The most recent dispatched tickets the model learns from.
HISTORY_LIMIT = 50_000
#: A category → unit link counts from this many tickets of the category.
LINK_MIN = 3

#: The weights of the signals in a unit's score (the score ranks; it is not a probability).
W_SIMILAR = 0.6
W_CATEGORY = 0.4
W_KEYWORD = 0.25
W_KEYWORD_EACH = 0.1
W_KEYWORD_MAX = 0.5
W_AREA = 0.3
W_AREA_AROUND = 0.2

#: Scores below these are not shown.
MIN_CATEGORY_SCORE = 0.05
MIN_UNIT_SHARE = 0.1

KIND_TYPE = "type"  # categories are the ticket types (INTAKE-6), learned from the history
KIND_SUBJECT = "subject"  # categories are subject categories (城乡建设 …), learned from a file


# ----------------------------------------------------------------------------- training


def teddycup_data() -> Path | None:
    """Return the Teddy Cup data directory: the one ``HOTLINE_SUGGEST_DATA`` names, else
    ``../shared/data/teddycup2020c`` beside the repository; None when it holds no data."""
    named = os.environ.get("HOTLINE_SUGGEST_DATA")
    if named is not None:  # named (or set empty: none), the default is not looked at
        candidates = [Path(named)] if named else []
    else:
        candidates = [Path(settings.REPO_DIR).parent / "shared" / "data" / "teddycup2020c"]
    for candidate in candidates:
        if (candidate / learn.POOL_FILE).is_file():
            return candidate
    return None


@dataclass
class HistoryExample:
    content: str
    category: str
    unit: str


def history_examples(limit: int = HISTORY_LIMIT) -> list[HistoryExample]:
    """Return the most recent dispatched tickets: content, category, lead unit's code.

    The lead unit is the active one (after a re-dispatch, the unit that kept the ticket), or
    the last one dispatched.
    """
    leads: dict[int, str] = {}
    rows = (
        Assignment.objects.filter(role=Assignment.Role.LEAD)
        .order_by("ticket_id", "active", "dispatched_at", "pk")
        .values_list("ticket_id", "unit__code")
    )
    for ticket_id, code in rows.iterator(chunk_size=5000):
        leads[ticket_id] = code  # the last row wins: active, then latest
    tickets = (
        Ticket.objects.filter(pk__in=list(leads))
        .order_by("-registered_at")
        .values_list("pk", "content", "category")[:limit]
    )
    return [HistoryExample(content, category, leads[pk]) for pk, content, category in tickets]


def _sample(examples: list[learn.Example], limit: int | None) -> list[learn.Example]:
    if limit is None or len(examples) <= limit:
        return examples
    order = sorted(examples, key=lambda e: hashlib.sha1(e.text.encode()).hexdigest())  # noqa: S324
    return order[:limit]


@dataclass
class TrainResult:
    model: LearnedModel
    summary: dict[str, Any]


def suggest_train(
    *,
    from_file: str | Path | None = None,
    file_limit: int | None = None,
    quick: bool = False,
    now: datetime | None = None,
) -> TrainResult:
    """Train the model from the history (and ``from_file``: the Teddy Cup data) and store it.

    From the history: the units similar requests went to, and the category → unit table. The
    categories come from the file's first-level categories when a file is given (its train
    and validation parts and extra titles, at most ``file_limit`` examples), else from the
    tickets' categories (types). The file's held-out part is scored and kept in the summary.
    ``quick`` (the demo): no extra titles, no held-out score.
    """
    started = time.monotonic()
    history = history_examples()
    summary: dict[str, Any] = {"history": len(history)}
    parts: dict[str, Any] = {"version": 1}
    units = {e.unit for e in history}
    if len(history) >= MIN_EXAMPLES and len(units) >= 2:
        parts["units"] = learn.TextClassifier().fit(
            [e.content for e in history], [e.unit for e in history]
        )
        summary["units"] = len(units)
    categories: learn.TextClassifier | None = None
    if from_file is not None:
        split = learn.teddycup_split(from_file, titles=not quick)
        examples = _sample(split.train + split.validation + split.titles, file_limit)
        categories = learn.TextClassifier().fit(
            [e.text for e in examples], [e.label for e in examples]
        )
        parts["kind"] = KIND_SUBJECT
        summary["file"] = {**split.sizes(), "trained_on": len(examples)}
        if not quick:
            summary["file"]["test_accuracy"] = round(learn.accuracy(categories, split.test), 4)
    elif len(history) >= MIN_EXAMPLES and len({e.category for e in history}) >= 2:
        categories = learn.TextClassifier().fit(
            [e.content for e in history], [e.category for e in history]
        )
        parts["kind"] = KIND_TYPE
    if categories is not None:
        parts["categories"] = categories
        summary["kind"] = parts["kind"]
        summary["categories"] = categories.labels
        if history:
            if parts["kind"] == KIND_SUBJECT:
                labels = categories.predict([e.content for e in history])
            else:
                labels = [e.category for e in history]
            table: dict[str, Counter[str]] = defaultdict(Counter)
            for label, example in zip(labels, history, strict=True):
                table[label][example.unit] += 1
            parts["links"] = {label: dict(counts) for label, counts in table.items()}
    summary["seconds"] = round(time.monotonic() - started, 2)
    with transaction.atomic():
        row = LearnedModel.objects.create(
            created_at=now or timezone.now(), blob=learn.to_bytes(parts), summary=summary
        )
        stale = LearnedModel.objects.order_by("-pk").values_list("pk", flat=True)[KEEP:]
        LearnedModel.objects.filter(pk__in=list(stale)).delete()
    return TrainResult(row, summary)


# ----------------------------------------------------------------------------- the model in use

_lock = threading.Lock()
_loaded: dict[str, Any] = {"pk": None, "parts": None}


def model_current() -> dict[str, Any] | None:
    """Return the newest stored model's parts (loaded once per process), or None."""
    pk = LearnedModel.objects.order_by("-pk").values_list("pk", flat=True).first()
    if pk is None:
        return None
    with _lock:
        if _loaded["pk"] != pk:
            blob = LearnedModel.objects.filter(pk=pk).values_list("blob", flat=True).first()
            try:
                parts = learn.from_bytes(bytes(blob)) if blob is not None else None
            except Exception:  # a damaged row must not break the agent's screen
                log.exception("suggestion model %s could not be loaded", pk)
                parts = None
            _loaded.update(pk=pk, parts=parts)
        found: dict[str, Any] | None = _loaded["parts"]
        return found


# ----------------------------------------------------------------------------- suggesting


@dataclass
class CategoryScore:
    code: str
    label: str
    score: float
    #: True when the code is a ticket type: the desk's category field can take it.
    fillable: bool = False


@dataclass
class UnitScore:
    unit: Unit
    score: float = 0.0
    reasons: list[str] = field(default_factory=list)

    @property
    def code(self) -> str:
        return self.unit.code

    @property
    def name(self) -> str:
        return self.unit.name

    @property
    def why(self) -> str:
        return "；".join(self.reasons)


@dataclass
class SuggestAnswer:
    categories: list[CategoryScore]
    units: list[UnitScore]


def _category_label(code: str, kind: str) -> str:
    if kind == KIND_TYPE and code in Category.values:
        return str(Category(code).label)
    return code


def _dispatchable() -> Any:
    return Unit.objects.filter(active=True, joined=True).exclude(kind=Unit.Kind.CENTRE)


def suggest(
    content: str, *, area: Area | None = None, category: str = "", limit: int = 5
) -> SuggestAnswer:
    """Return the likely categories and units of a request, best first, with reasons."""
    text = content.strip()
    parts = model_current() if text else None
    categories: list[CategoryScore] = []
    found: dict[str, UnitScore] = {}
    units_by_code: dict[str, Unit] = {}

    def add(unit: Unit, score: float, reason: str) -> None:
        entry = found.setdefault(unit.code, UnitScore(unit))
        entry.score += score
        if reason not in entry.reasons:
            entry.reasons.append(reason)

    if parts:
        kind = parts.get("kind", KIND_TYPE)
        learned: dict[str, float] = {}
        if "categories" in parts:
            learned = parts["categories"].scores(text)
            categories = [
                CategoryScore(code, _category_label(code, kind), round(score, 3), kind == KIND_TYPE)
                for code, score in sorted(learned.items(), key=lambda kv: -kv[1])
                if score >= MIN_CATEGORY_SCORE
            ][:3]
        similar = parts["units"].scores(text) if "units" in parts else {}
        links: dict[str, dict[str, int]] = parts.get("links", {})
        codes = {c for c, s in similar.items() if s >= MIN_UNIT_SHARE}
        codes |= {u for c in categories[:1] for u in links.get(c.code, {})}
        units_by_code = {u.code: u for u in _dispatchable().filter(code__in=codes)}
        for code, share in similar.items():
            if share >= MIN_UNIT_SHARE and code in units_by_code:
                add(units_by_code[code], W_SIMILAR * share, "历史工单：相似诉求曾派往此单位")
        for top in categories[:1]:
            counts = links.get(top.code, {})
            total = sum(counts.values())
            for code, n in counts.items():
                if total >= LINK_MIN and n / total >= MIN_UNIT_SHARE and code in units_by_code:
                    add(
                        units_by_code[code],
                        W_CATEGORY * top.score * n / total,
                        f"历史工单：同类诉求（{top.label}）多派往此单位",
                    )
    for match in unit_suggestions(content=text, category=category, area=area, limit=20):
        if match.matched:
            score = min(W_KEYWORD_MAX, W_KEYWORD + W_KEYWORD_EACH * (len(match.matched) - 1))
            add(match.unit, score, "职责清单关键词：" + "、".join(match.matched[:3]))
    if area is not None:
        around = Area.objects.filter(path__in=_ancestor_paths(area.path)).values_list("pk")
        governing = _dispatchable().filter(area__in=around).select_related("area")
        for unit in governing if text else []:
            exact = unit.area_id == area.pk
            add(unit, W_AREA if exact else W_AREA_AROUND, f"属地：{unit.area.name}")
    ranked = sorted(found.values(), key=lambda s: (-s.score, s.unit.path))[:limit]
    for entry in ranked:
        entry.score = round(entry.score, 3)
    return SuggestAnswer(categories, ranked)


def _ancestor_paths(path: str) -> list[str]:
    """Return ``/A/B/C/``'s paths: ``/A/``, ``/A/B/``, ``/A/B/C/``."""
    codes = [c for c in path.split("/") if c]
    return ["/" + "/".join(codes[: i + 1]) + "/" for i in range(len(codes))]


def area_find(text: str) -> Area | None:
    """Return the area named by ``text`` (its code, or a unique name or alias), or None."""
    text = text.strip()
    if not text:
        return None
    picked = re.search(r"[（(]([A-Za-z0-9_-]+)[)）]$", text)  # "东门街道（LX01）" from the list
    area = Area.objects.filter(code=picked[1] if picked else text).first()
    if area is not None:
        return area
    named = list(Area.objects.filter(name=text)[:2])
    if len(named) == 1:
        return named[0]
    aliased = [a for a in Area.objects.all() if text in (a.aliases or [])]
    return aliased[0] if len(aliased) == 1 else None
