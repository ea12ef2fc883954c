"""Units whose responsibility list (权责清单) matches a request (DISPATCH-1, "谁主管、谁负责").

The keyword signal of the dispatch suggestion (``suggest.services.suggest`` adds the learned and
the area's signals); the workstation's side panel and the ticket page used it alone before.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hotline.directory.models import Area, ResponsibilityItem, Unit


@dataclass
class Suggestion:
    unit: Unit
    score: int
    matched: list[str] = field(default_factory=list)
    matters: list[str] = field(default_factory=list)


def unit_suggestions(
    *, content: str, category: str = "", area: Area | None = None, limit: int = 5
) -> list[Suggestion]:
    """Return units whose responsibility list matches the request, best first (DISPATCH-1).

    A keyword found in the content scores 2, the ticket type listed scores 1, and an item
    limited to areas scores 2 when the chosen area is among them (or below one of them) and is
    left out when it is not. A sub-district office governing the area scores 1.
    """
    text = content.strip()
    found: dict[int, Suggestion] = {}
    matched_items = []
    rows = (
        ResponsibilityItem.objects.filter(active=True, unit__active=True, unit__joined=True)
        .exclude(unit__kind=Unit.Kind.CENTRE)
        .values_list("pk", "unit_id", "matter", "keywords", "ticket_types")
    )
    for pk, unit_id, matter, keywords, types in rows if text else []:
        matched = [k for k in keywords or [] if k and k in text]
        if matched:
            matched_items.append((pk, unit_id, matter, matched, types or []))
    covered: dict[int, list[str]] = {}
    for item_id, path in ResponsibilityItem.areas.through.objects.filter(
        responsibilityitem_id__in=[m[0] for m in matched_items]
    ).values_list("responsibilityitem_id", "area__path"):
        covered.setdefault(item_id, []).append(path)
    units = Unit.objects.in_bulk({m[1] for m in matched_items})
    for pk, unit_id, matter, matched, types in matched_items:
        score = 2 * len(matched)
        if category and category in types:
            score += 1
        paths = covered.get(pk, [])
        if paths and area is not None:
            if not any(area.path.startswith(p) for p in paths):
                continue
            score += 2
        suggestion = found.setdefault(unit_id, Suggestion(unit=units[unit_id], score=0))
        suggestion.score += score
        suggestion.matched.extend(k for k in matched if k not in suggestion.matched)
        suggestion.matters.append(matter)
    if area is not None:
        for unit in Unit.objects.filter(area=area, active=True, joined=True):
            suggestion = found.setdefault(unit.pk, Suggestion(unit=unit, score=0))
            suggestion.score += 1
    return sorted(found.values(), key=lambda s: (-s.score, s.unit.path))[:limit]
