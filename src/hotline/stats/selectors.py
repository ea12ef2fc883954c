"""Reading the statistics: figures per unit and period, drill-downs, visibility (STATS-1).

Every screen, the API, the reports and the assessment read figures through ``unit_figures``;
the counts come from the rollups, the rates from ``indicators.rates``. A period's figures per
unit are read from the month × unit rows for its whole months and the day × unit rows for the
days at its edges (a year: about 12 × 300 rows, whatever the number of tickets); the centre's
breakdowns from its day × channel/category/area rows; only a filtered or a unit's own
breakdown by channel, category or area reads the fine rows.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from hotline.accounts.roles import Role
from hotline.directory.models import Unit
from hotline.knowledge.models import ReleaseClock
from hotline.stats.indicators import rates, ratio
from hotline.stats.models import (
    COUNTERS,
    REPEATABLE,
    CentreDayBreakdown,
    DailyRollup,
    Fact,
    UnitDayRollup,
    UnitMonthRollup,
)
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


def _sums(
    period: Period, filters: Q | None = None, unit_keys: list[int] | None = None
) -> dict[int, Counter[str]]:
    """Return the summed counters of ``period`` by unit key (0: the centre).

    Without ``filters`` the coarse rollups answer: the month rows for the whole months of the
    period, the day rows for the days before the first and after the last whole month.
    """
    if filters is not None:
        fine = DailyRollup.objects.filter(day__gte=period.start, day__lte=period.end)
        if unit_keys is not None:
            fine = fine.filter(unit_key__in=unit_keys)
        return _by_unit(fine.filter(filters))
    first, last = _whole_months(period)
    if first is None or last is None:
        days = UnitDayRollup.objects.filter(day__gte=period.start, day__lte=period.end)
        months = UnitMonthRollup.objects.none()
    else:
        before = Q(day__gte=period.start, day__lt=first)
        after = Q(day__gt=_month_end(last), day__lte=period.end)
        days = UnitDayRollup.objects.filter(before | after)
        months = UnitMonthRollup.objects.filter(month__gte=first, month__lte=last)
    if unit_keys is not None:
        days, months = days.filter(unit_key__in=unit_keys), months.filter(unit_key__in=unit_keys)
    found = _by_unit(days)
    for unit_key, counts in _by_unit(months).items():
        found.setdefault(unit_key, Counter()).update(counts)
    return found


def _by_unit(query: QuerySet[Any]) -> dict[int, Counter[str]]:
    found: dict[int, Counter[str]] = {}
    sums: Any = query.values("unit_key").annotate(**{n: Sum(n) for n in COUNTERS})
    for row in sums:
        found[row["unit_key"]] = Counter({n: row[n] or 0 for n in COUNTERS})
    return found


def _month_end(month: date) -> date:
    """Return the last day of the month that starts on ``month``."""
    following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return following - timedelta(days=1)


def _whole_months(period: Period) -> tuple[date | None, date | None]:
    """Return the first days of the first and the last whole month inside ``period``."""
    first = period.start
    if first.day != 1:
        first = _month_end(first.replace(day=1)) + timedelta(days=1)
    last = period.end.replace(day=1)
    if _month_end(last) != period.end:
        last = (last - timedelta(days=1)).replace(day=1)
    if first > last:
        return None, None
    return first, last


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
    total.update(_sums(period, filters, unit_keys=[0]).get(0, Counter()))
    row: dict[str, Any] = {n: total[n] for n in COUNTERS}
    row.update(rates(total))
    return row


def breakdown(period: Period, dimension: str, unit: Unit | None = None) -> list[dict[str, Any]]:
    """Return the counters by ``dimension`` (day, channel, category, area_key).

    For ``unit`` and its sub-units, or for the centre (every ticket once) when ``unit`` is None.
    By day: the day × unit rows; the centre by channel, category or area: its own day rows by
    that dimension; a unit by channel, category or area: the fine rows.
    """
    keys = _unit_keys(unit)
    query: QuerySet[Any]
    if dimension == "day":
        query = UnitDayRollup.objects.filter(
            day__gte=period.start, day__lte=period.end, unit_key__in=keys
        )
        column = "day"
    elif unit is None and dimension in CENTRE_DIMENSIONS:
        query = CentreDayBreakdown.objects.filter(
            day__gte=period.start, day__lte=period.end, dimension=CENTRE_DIMENSIONS[dimension]
        )
        column = "key"
    else:
        query = DailyRollup.objects.filter(
            day__gte=period.start, day__lte=period.end, unit_key__in=keys
        )
        column = dimension
    rows = []
    grouped = query.values(column).annotate(**{n: Sum(n) for n in COUNTERS}).order_by(column)
    for row in grouped:
        counts = Counter({n: row[n] or 0 for n in COUNTERS})
        key = row[column]
        if column == "key" and dimension == "area_key":
            key = int(key)
        out: dict[str, Any] = {"key": key, **counts}
        out.update(rates(counts))
        rows.append(out)
    if column == "key" and dimension == "area_key":
        rows.sort(key=lambda r: r["key"])
    return rows


#: The centre's breakdowns kept by day (``CentreDayBreakdown.dimension``).
CENTRE_DIMENSIONS = {"channel": "channel", "category": "category", "area_key": "area"}


def _unit_keys(unit: Unit | None) -> list[int]:
    """Return the unit keys of ``unit`` and its sub-units, or [0] (the centre) for None."""
    if unit is None:
        return [0]
    return list(Unit.objects.filter(path__startswith=unit.path).values_list("pk", flat=True))


def fact_tickets(period: Period, unit: Unit | None, indicator: str) -> QuerySet[Fact]:
    """Return the facts behind a number: the tickets counted in ``indicator`` (drill-down)."""
    if indicator not in COUNTERS:
        raise ValueError(indicator)
    query = Fact.objects.filter(day__gte=period.start, day__lte=period.end)
    query = query.filter(**{f"{indicator}__gt": 0}, unit_key__in=_unit_keys(unit))
    return query.select_related("ticket").order_by("day", "ticket_id")


def fact_total(period: Period, unit: Unit | None, indicator: str) -> tuple[int, int]:
    """Return the number behind a drill-down and how many tickets it counts.

    The number is the indicator's sum from the rollups (it equals the facts' sum); for an
    indicator that counts a ticket at most once that is also the number of tickets, otherwise
    the tickets are counted from the facts.
    """
    if indicator not in COUNTERS:
        raise ValueError(indicator)
    keys = _unit_keys(unit)
    total = sum(c[indicator] for c in _sums(period, unit_keys=keys).values())
    if indicator not in REPEATABLE:
        return total, total
    return total, fact_tickets(period, unit, indicator).order_by().count()


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
