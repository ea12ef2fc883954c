"""Hot-topic alerts (STATS-3): tickets about one matter in one area rising above their baseline.

The rule (docs/metrics.md, "Hot topics"):

- a *matter* is a word of the ticket's content (two Chinese characters or more, stop words
  removed, segmented by ``knowledge.textproc.words``); the *area* is the ticket's area;
- the *window* is the 7 days ending on the day of detection, the *baseline* the 28 days before;
  λ = max(tickets in the baseline ÷ 4, 1), the expected count of a week;
- a (matter, area) pair is hot when its window count c is at least ``MIN_COUNT`` and the
  Poisson tail P(X ≥ c | λ) is below ``P_LIMIT`` (one in a thousand);
- hot words of one area whose ticket sets overlap by half or more (Jaccard,
  ``suggest.similar.jaccard``, the near-duplicate signal's measure) are one matter.

Each alert is stored once per day, area and matter and sent to the supervisors with the
tickets behind it (the notifications outbox).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from hotline.directory.models import Area
from hotline.knowledge.textproc import words
from hotline.notifications.services import outbox_put
from hotline.stats.models import HotTopic
from hotline.stats.rollup import day_bounds
from hotline.suggest.similar import jaccard
from hotline.tickets.models import Ticket

WINDOW_DAYS = 7
BASELINE_DAYS = 28
MIN_COUNT = 5
P_LIMIT = 0.001
MERGE_OVERLAP = 0.5


def poisson_tail(c: int, lam: float) -> float:
    """Return P(X ≥ c) for X ~ Poisson(lam)."""
    if c <= 0:
        return 1.0
    term = math.exp(-lam)
    below = term
    for k in range(1, c):
        term *= lam / k
        below += term
    return max(0.0, 1.0 - below)


@dataclass
class Topic:
    area_key: int
    terms: list[str]
    count: int
    baseline: float
    tickets: set[str] = field(default_factory=set)


def _matters(content: str) -> set[str]:
    return {w for w in words(content, for_query=True) if len(w) >= 2 and not w.isascii()}


def hot_topics_find(day: date) -> list[Topic]:
    """Return the hot topics of the window ending on ``day`` (nothing stored, nothing sent)."""
    low, _ = day_bounds(day - timedelta(days=WINDOW_DAYS + BASELINE_DAYS - 1), day)
    window_from, high = day_bounds(day - timedelta(days=WINDOW_DAYS - 1), day)
    current: dict[tuple[int, str], set[str]] = defaultdict(set)
    before: dict[tuple[int, str], int] = defaultdict(int)
    rows = Ticket.objects.filter(registered_at__gte=low, registered_at__lt=high).values_list(
        "number", "area_id", "content", "registered_at"
    )
    for number, area_id, content, registered_at in rows.iterator(chunk_size=2000):
        for term in _matters(content):
            key = (area_id or 0, term)
            if registered_at >= window_from:
                current[key].add(number)
            else:
                before[key] += 1
    hot: list[Topic] = []
    for (area_key, term), numbers in current.items():
        lam = max(before[(area_key, term)] * WINDOW_DAYS / BASELINE_DAYS, 1.0)
        if len(numbers) >= MIN_COUNT and poisson_tail(len(numbers), lam) < P_LIMIT:
            hot.append(Topic(area_key, [term], len(numbers), round(lam, 2), set(numbers)))
    hot.sort(key=lambda t: (-t.count, t.terms[0]))
    merged: list[Topic] = []
    for topic in hot:
        for kept in merged:
            if kept.area_key != topic.area_key:
                continue
            if jaccard(kept.tickets, topic.tickets) >= MERGE_OVERLAP:
                kept.terms.append(topic.terms[0])
                kept.tickets = kept.tickets | topic.tickets
                kept.count = len(kept.tickets)
                break
        else:
            merged.append(topic)
    return merged


def hot_topics_detect(now: datetime | None = None) -> list[HotTopic]:
    """Find today's hot topics, store the new ones and send each to the supervisors."""
    moment = now or timezone.now()
    day = timezone.localtime(moment).date()
    names = dict(Area.objects.values_list("pk", "name"))
    stored = []
    for topic in hot_topics_find(day):
        numbers = sorted(topic.tickets)
        area_name = names.get(topic.area_key, "")
        try:
            with transaction.atomic():
                alert = HotTopic.objects.create(
                    detected_on=day,
                    area_key=topic.area_key,
                    area_name=area_name,
                    key=topic.terms[0][:32],
                    terms=topic.terms[:8],
                    count=topic.count,
                    baseline=topic.baseline,
                    tickets=numbers,
                )
                outbox_put(
                    topic="stats.hot_topic",
                    title=f"热点预警：{area_name or '未标注区域'}“{'、'.join(topic.terms[:3])}”"
                    f"近7日{topic.count}件（基线每周{topic.baseline}件）",
                    body="相关工单：" + "、".join(numbers[:50]),
                    payload={"roles": ["supervisor"], "hot_topic": alert.pk},
                    at=moment,
                )
        except IntegrityError:
            continue  # already found today
        stored.append(alert)
    return stored


def hot_topics_recent(days: int = 14) -> list[HotTopic]:
    """Return the alerts of the last ``days`` days, newest first."""
    since = timezone.localdate() - timedelta(days=days)
    return list(HotTopic.objects.filter(detected_on__gte=since)[:20])
