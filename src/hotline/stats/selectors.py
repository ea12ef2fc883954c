"""Reading the statistics: figures per unit and period, drill-downs, visibility (STATS-1).

Every screen, the API, the reports and the assessment read figures through ``unit_figures``;
the counts come from the rollups, the rates from ``indicators.rates``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from hotline.accounts.roles import Role
from hotline.directory.models import Unit
from hotline.knowledge.models import ReleaseClock
from hotline.stats.indicators import rates, ratio
from hotline.stats.models import COUNTERS, DailyRollup, Fact
from hotline.supervision.models import Notice

#: Roles that read every unit's figures.
READ_ALL = {Role.SUPERVISOR, Role.CENTRE_ADMIN}


@dataclass(frozen=True)
class Period:
    start: date
    end: date


def stats_read_all(user: Any) -> bool:
    """Return True when ``user`` reads every unit's figures (supervisors, centre admins)."""
    if getattr(user, "is_superuser", False):
        return True
    return bool(user.roles & READ_ALL) and user.is_centre_staff


def units_visible(user: Any) -> QuerySet[Unit]:
    """Return the units whose figures ``user`` reads: every one, or the user's own."""
    units = Unit.objects.exclude(kind=Unit.Kind.CENTRE).order_by("code")
    if stats_read_all(user):
        return units
    if user.unit_id is not None and not user.unit.is_centre and user.roles:
        return units.filter(pk=user.unit_id)
    return units.none()


def _sums(period: Period, filters: Q | None = None) -> dict[int, Counter[str]]:
    """Return the summed counters of ``period`` by unit key (0: the centre)."""
    query = DailyRollup.objects.filter(day__gte=period.start, day__lte=period.end)
    if filters is not None:
        query = query.filter(filters)
    found: dict[int, Counter[str]] = {}
    sums: Any = query.values("unit_key").annotate(**{n: Sum(n) for n in COUNTERS})
    for row in sums:
        found[row["unit_key"]] = Counter({n: row[n] or 0 for n in COUNTERS})
    return found


def _with_descendants(unit: Unit, units: list[Unit]) -> list[int]:
    return [u.pk for u in units if u.path.startswith(unit.path)]


def kb_timeliness(period: Period, now: datetime | None = None) -> dict[int, tuple[int, int]]:
    """Return (timely, counted) knowledge-base updates by unit (SH 第二十四条, A20).

    A release of ``period`` counts once it was published or its due time has passed; it is
    timely when published by its due time (the profile's 5 working days).
    """
    moment = now or timezone.now()
    found: dict[int, tuple[int, int]] = {}
    clocks = ReleaseClock.objects.filter(
        released_on__gte=period.start, released_on__lte=period.end, due_at__isnull=False
    )
    for unit_id, met_at, due_at in clocks.values_list("unit_id", "met_at", "due_at"):
        if due_at is None or (met_at is None and due_at > moment):
            continue
        timely, counted = found.get(unit_id, (0, 0))
        found[unit_id] = (timely + int(met_at is not None and met_at <= due_at), counted + 1)
    return found


def notices_count(period: Period) -> Counter[int]:
    """Return public notices (通报) issued in ``period`` by unit named."""
    counts: Counter[int] = Counter()
    names = Notice.units.through.objects.filter(
        notice__period_start__lte=period.end, notice__period_end__gte=period.start
    )
    for unit_id in names.values_list("unit_id", flat=True):
        counts[unit_id] += 1
    return counts


def unit_figures(
    period: Period, units: list[Unit], *, filters: Q | None = None, now: datetime | None = None
) -> list[dict[str, Any]]:
    """Return one row of every indicator per unit in ``units`` (its sub-units included)."""
    from hotline.stats.assessment import score_for, weights_for

    every = list(Unit.objects.exclude(kind=Unit.Kind.CENTRE).only("pk", "path"))
    sums = _sums(period, filters)
    kb = kb_timeliness(period, now)
    notices = notices_count(period)
    weights = weights_for(period.start)
    rows = []
    for unit in units:
        total: Counter[str] = Counter({n: 0 for n in COUNTERS})
        timely = counted = 0
        unit_notices = 0
        for pk in _with_descendants(unit, every):
            total.update(sums.get(pk, Counter()))
            t, c = kb.get(pk, (0, 0))
            timely, counted = timely + t, counted + c
            unit_notices += notices[pk]
        row: dict[str, Any] = {"unit": unit.code, "name": unit.name}
        row.update({n: total[n] for n in COUNTERS})
        row.update(rates(total))
        row["kb_updates"] = counted
        row["kb_timely"] = timely
        row["kb_timeliness_rate"] = ratio(timely, counted)
        row["notices"] = unit_notices
        row["score"] = score_for(row, weights)
        rows.append(row)
    return rows


def centre_figures(period: Period, filters: Q | None = None) -> dict[str, Any]:
    """Return the centre's own figures (every ticket once)."""
    total: Counter[str] = Counter({n: 0 for n in COUNTERS})
    total.update(_sums(period, filters).get(0, Counter()))
    row: dict[str, Any] = {n: total[n] for n in COUNTERS}
    row.update(rates(total))
    return row


def breakdown(period: Period, dimension: str, unit: Unit | None = None) -> list[dict[str, Any]]:
    """Return the counters by ``dimension`` (day, channel, category, area_key).

    For ``unit`` and its sub-units, or for the centre (every ticket once) when ``unit`` is None.
    """
    query = DailyRollup.objects.filter(day__gte=period.start, day__lte=period.end)
    if unit is None:
        query = query.filter(unit_key=0)
    else:
        ids = Unit.objects.filter(path__startswith=unit.path).values_list("pk", flat=True)
        query = query.filter(unit_key__in=list(ids))
    rows = []
    for row in (
        query.values(dimension).annotate(**{n: Sum(n) for n in COUNTERS}).order_by(dimension)
    ):
        counts = Counter({n: row[n] or 0 for n in COUNTERS})
        out: dict[str, Any] = {"key": row[dimension], **counts}
        out.update(rates(counts))
        rows.append(out)
    return rows


def fact_tickets(period: Period, unit: Unit | None, indicator: str) -> QuerySet[Fact]:
    """Return the facts behind a number: the tickets counted in ``indicator`` (drill-down)."""
    if indicator not in COUNTERS:
        raise ValueError(indicator)
    query = Fact.objects.filter(day__gte=period.start, day__lte=period.end)
    query = query.filter(**{f"{indicator}__gt": 0})
    if unit is None:
        query = query.filter(unit_key=0)
    else:
        ids = Unit.objects.filter(path__startswith=unit.path).values_list("pk", flat=True)
        query = query.filter(unit_key__in=list(ids))
    return query.select_related("ticket").order_by("day", "ticket_id")


def ranking(period: Period, units: list[Unit], now: datetime | None = None) -> list[dict[str, Any]]:
    """Return ``unit_figures`` ranked by score (highest first), each row with its ``rank``.

    Equal scores share a rank (competition ranking: 1, 2, 2, 4); ties are listed by code. A
    unit that received nothing in the period has no figures to score it on: it is listed after
    the ranked units, by code, with ``rank`` None (its score would be the untouched maximum).
    """
    figures = unit_figures(period, units, now=now)
    rows = sorted((r for r in figures if r["received"]), key=lambda r: (-r["score"], r["unit"]))
    idle = sorted((r for r in figures if not r["received"]), key=lambda r: r["unit"])
    previous: float | None = None
    rank = 0
    for position, row in enumerate(rows, start=1):
        if row["score"] != previous:
            rank, previous = position, row["score"]
        row["rank"] = rank
    for row in idle:
        row["rank"] = None
    return rows + idle


def trend(period: Period, by: str, unit: Unit | None = None) -> list[dict[str, Any]]:
    """Return the counters of ``period`` by ``day``, ISO ``week`` (2026-W41) or ``month``.

    Sums the daily rows of ``breakdown(period, "day", unit)`` into buckets; rates are
    recomputed from the summed counts, never averaged.
    """
    if by not in {"day", "week", "month"}:
        raise ValueError(by)
    buckets: dict[str, Counter[str]] = {}
    for row in breakdown(period, "day", unit):
        day: date = row["key"]
        if by == "day":
            key = day.isoformat()
        elif by == "week":
            year, week, _ = day.isocalendar()
            key = f"{year}-W{week:02d}"
        else:
            key = f"{day.year}-{day.month:02d}"
        buckets.setdefault(key, Counter()).update({n: row[n] for n in COUNTERS})
    out = []
    for key in sorted(buckets):
        counts = buckets[key]
        item: dict[str, Any] = {"key": key, **{n: counts[n] for n in COUNTERS}}
        item.update(rates(counts))
        out.append(item)
    return out


def unit_for_drilldown(user: Any, code: str | None) -> Unit | None:
    """Return the unit whose tickets ``user`` may list, or None for the centre's own row.

    Raises ``PermissionError`` when the user may not read that unit (or the centre's row);
    ``Unit.DoesNotExist`` for an unknown code.
    """
    if not code:
        if not stats_read_all(user):
            raise PermissionError(code)
        return None
    unit = Unit.objects.exclude(kind=Unit.Kind.CENTRE).get(code=code)
    if not units_visible(user).filter(pk=unit.pk).exists():
        raise PermissionError(code)
    return unit
