"""The near-duplicate signal (INTAKE-4, INTAKE-5): is this request a matter already registered?

One matter is one ticket (INTAKE-4), and a caller who rings again about it is a repeat call
(INTAKE-5): while the agent types a request, the tickets about the same matter in the same area
in the last ``WINDOW_DAYS`` days are shown, so the agent links or updates the earlier ticket
instead of opening a second one.

The measure: the *shingles* of a text are its overlapping character pairs (of each Chinese run,
after NFKC and lower case) and its Latin or digit runs (house numbers, plate numbers). Two texts
are about the same matter when the Jaccard index of their shingles reaches ``JACCARD_MIN``, or
when at least ``OVERLAP_MIN_SHARED`` shingles are shared and they cover ``OVERLAP_MIN`` of the
shorter text (a short phone note against a long web message about the same thing).

``jaccard`` is the one overlap measure of the platform: the hot-topic alert (STATS-3,
``stats.alerts``) merges the hot words whose ticket sets overlap with it.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import QuerySet

from hotline.directory.models import Area
from hotline.knowledge.textproc import bigrams, is_cjk, normalise, runs
from hotline.tickets.models import Ticket

#: How far back a request looks for the same matter (days).
WINDOW_DAYS = 7
JACCARD_MIN = 0.3
OVERLAP_MIN = 0.6
OVERLAP_MIN_SHARED = 6
#: The most recent tickets of the window that are compared (a bound on the work).
SCAN_LIMIT = 3000


def jaccard(a: Iterable[Hashable], b: Iterable[Hashable]) -> float:
    """Return |A ∩ B| / |A ∪ B| of two sets (0 when both are empty)."""
    first, second = set(a), set(b)
    union = len(first | second)
    return len(first & second) / union if union else 0.0


def shingles(text: str) -> frozenset[str]:
    """Return the character pairs of the Chinese runs and the Latin/digit runs of ``text``."""
    found = set(bigrams(text))
    found.update(r for r in runs(normalise(text)) if not is_cjk(r) and len(r) >= 2)
    return frozenset(found)


def same_matter(a: frozenset[str], b: frozenset[str]) -> float:
    """Return how alike two shingle sets are (0 when they are not about the same matter)."""
    if not a or not b:
        return 0.0
    score = jaccard(a, b)
    if score >= JACCARD_MIN:
        return score
    shared = len(a & b)
    if shared >= OVERLAP_MIN_SHARED and shared / min(len(a), len(b)) >= OVERLAP_MIN:
        return max(score, JACCARD_MIN)
    return 0.0


@dataclass(frozen=True)
class Similar:
    ticket: Ticket
    score: float


def near_duplicates(
    content: str,
    *,
    area: Area | None,
    now: datetime,
    among: QuerySet[Ticket] | None = None,
    days: int = WINDOW_DAYS,
    limit: int = 5,
) -> list[Similar]:
    """Return the tickets of the last ``days`` days about the same matter, most alike first.

    ``area``: only tickets of that area or an area inside it (none: every area). ``among``: the
    tickets the reader may see (``tickets.access.tickets_visible_to``); all by default.
    """
    mine = shingles(content)
    if not mine:
        return []
    tickets = (among if among is not None else Ticket.objects.all()).filter(
        registered_at__gte=now - timedelta(days=days), registered_at__lte=now
    )
    if area is not None:
        tickets = tickets.filter(area__path__startswith=area.path)
    rows = list(tickets.order_by("-registered_at").values_list("pk", "content")[:SCAN_LIMIT])
    scored = []
    for pk, text in rows:
        score = same_matter(mine, shingles(text))
        if score > 0:
            scored.append((score, pk))
    scored.sort(key=lambda s: (-s[0], -s[1]))
    best = scored[:limit]
    found = Ticket.objects.select_related("area").in_bulk([pk for _, pk in best])
    return [Similar(found[pk], round(score, 3)) for score, pk in best if pk in found]
