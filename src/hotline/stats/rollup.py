"""The rollups, kept current from the ticket events through the outbox (STATS-1).

Ticket events reach ``rollup_on_events`` after their commit, in batches of up to
``core.events.BATCH`` (outbox subscriber ``stats.rollup``, ``batch=True``): in one transaction
it recomputes each touched ticket's facts once (``facts.tickets_facts``, one query per table),
replaces those that changed, and adds the merged difference to the rollup rows of every level
(``LEVELS``: the fine day × unit × channel × category × area rows, and the coarse day × unit,
month × unit and the centre's day × channel/category/area rows), one upsert per level.
Supervision has no event channel: the worker's ``stats_catch_up`` refreshes the tickets of new
orders and reminder notices. ``rollup_rebuild`` recomputes a range of registration days from
scratch; both paths give the same rows at every level (tests/stats/test_rollup.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import F, Q, Sum

from hotline.stats.facts import FactRow, tickets_facts, unit_codes
from hotline.stats.models import (
    COUNTERS,
    CentreDayBreakdown,
    DailyRollup,
    Fact,
    UnitDayRollup,
    UnitMonthRollup,
    Watermark,
)
from hotline.supervision.models import Reminder, SupervisionOrder
from hotline.tickets.events import ticket_events
from hotline.tickets.models import Ticket, TicketEvent

Key = tuple[date, int, str, str, int]
KEYS = ("day", "unit_key", "channel", "category", "area_key")


@dataclass(frozen=True)
class Level:
    """One rollup table: its key columns and how a fine key (``KEYS``) projects onto it."""

    model: type[models.Model]
    keys: tuple[str, ...]
    project: Callable[[Key], tuple[tuple[Any, ...], ...]]
    #: The first key column holds a day (or a month's first day): the range a rebuild clears.
    period: str


def _centre_dimensions(key: Key) -> tuple[tuple[Any, ...], ...]:
    day, unit_key, channel, category, area_key = key
    if unit_key != 0:
        return ()
    return ((day, "channel", channel), (day, "category", category), (day, "area", str(area_key)))


LEVELS: tuple[Level, ...] = (
    Level(DailyRollup, KEYS, lambda k: (k,), "day"),
    Level(UnitDayRollup, ("day", "unit_key"), lambda k: ((k[0], k[1]),), "day"),
    Level(
        UnitMonthRollup, ("month", "unit_key"), lambda k: ((k[0].replace(day=1), k[1]),), "month"
    ),
    Level(CentreDayBreakdown, ("day", "dimension", "key"), _centre_dimensions, "day"),
)


def _stored(ticket_ids: list[int]) -> dict[int, list[FactRow]]:
    """Return the stored facts of ``ticket_ids``, locked until the refresh commits (PostgreSQL)."""
    found: dict[int, list[FactRow]] = {t: [] for t in ticket_ids}
    query = (
        Fact.objects.select_for_update()
        .filter(ticket_id__in=ticket_ids)
        .order_by("ticket_id", "unit_key")
    )
    for ticket_id, unit_key, day, channel, category, area_key, *values in query.values_list(
        "ticket_id", "unit_key", "day", "channel", "category", "area_key", *COUNTERS
    ):
        found[ticket_id].append(
            FactRow(
                ticket_id=ticket_id,
                unit_key=unit_key,
                day=day,
                channel=channel,
                category=category,
                area_key=area_key,
                counts=Counter({n: v for n, v in zip(COUNTERS, values, strict=True) if v}),
            )
        )
    return found


def _signature(rows: list[FactRow]) -> set[tuple[Any, ...]]:
    """Return ``rows`` as comparable values: their keys and non-zero counters."""
    return {(r.key(), frozenset((n, v) for n, v in r.counts.items() if v)) for r in rows}


def _facts_insert(rows: list[FactRow]) -> None:
    """Insert ``rows`` as facts without model instances (the hot path): COPY on PostgreSQL."""
    table = connection.ops.quote_name(Fact._meta.db_table)
    columns = ", ".join(("ticket_id", *KEYS, *COUNTERS))
    values: list[tuple[Any, ...]] = [
        (
            r.ticket_id,
            r.day,
            r.unit_key,
            r.channel,
            r.category,
            r.area_key,
            *tuple(r.counts[n] for n in COUNTERS),
        )
        for r in rows
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)
            return
        marks = ", ".join(["%s"] * (len(KEYS) + len(COUNTERS) + 1))
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", values)  # noqa: S608


#: The most parameters one upsert statement carries (PostgreSQL's limit is 65,535; SQLite's
#: 32,766).
UPSERT_PARAMS = 32_000


def _upsert_sql(level: Level, rows: int) -> str:
    """Return the statement that adds ``rows`` rows of counters to ``level`` in one go."""
    table = connection.ops.quote_name(level.model._meta.db_table)
    keys = tuple(connection.ops.quote_name(k) for k in level.keys)
    columns = ", ".join((*keys, *COUNTERS))
    values = ", ".join(["(" + ", ".join(["%s"] * (len(keys) + len(COUNTERS))) + ")"] * rows)
    add = ", ".join(f"{n} = {table}.{n} + excluded.{n}" for n in COUNTERS)
    return (
        f"INSERT INTO {table} ({columns}) VALUES {values} "  # noqa: S608 - our own identifiers
        f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {add}"
    )


def _apply(delta: dict[Key, Counter[str]]) -> None:
    """Add ``delta`` to the rollup rows of every level (creating the missing ones)."""
    for level in LEVELS:
        _apply_level(level, _project(level, delta))


def _project(level: Level, delta: dict[Key, Counter[str]]) -> dict[tuple[Any, ...], Counter[str]]:
    """Return ``delta`` (fine keys) summed onto ``level``'s keys."""
    coarse: dict[tuple[Any, ...], Counter[str]] = {}
    for key, counts in delta.items():
        for projected in level.project(key):
            coarse.setdefault(projected, Counter()).update(counts)
    return coarse


def _apply_level(level: Level, delta: dict[tuple[Any, ...], Counter[str]]) -> None:
    """Add ``delta`` to ``level``'s rows.

    Growing rows go in one ``INSERT … ON CONFLICT DO UPDATE`` (PostgreSQL and SQLite); a row
    that shrinks already exists (its facts were counted there), and is updated on its own: the
    counters' ``CHECK (>= 0)`` would refuse a negative row proposed for insertion.
    """
    grow: list[Any] = []
    for key, counts in sorted(delta.items()):
        changes = {name: value for name, value in counts.items() if value}
        if not changes:
            continue
        if min(changes.values()) >= 0:
            grow.append((key, changes))
            continue
        where = dict(zip(level.keys, key, strict=True))
        level.model._default_manager.filter(**where).update(
            **{name: F(name) + value for name, value in changes.items()}
        )
    # One statement per chunk: PostgreSQL takes at most 65,535 parameters a statement.
    width = len(level.keys) + len(COUNTERS)
    step = UPSERT_PARAMS // width
    for start in range(0, len(grow), step):
        chunk = grow[start : start + step]
        params: list[Any] = []
        for key, changes in chunk:
            params.extend(key)
            params.extend(changes.get(n, 0) for n in COUNTERS)
        with connection.cursor() as cursor:
            cursor.execute(_upsert_sql(level, len(chunk)), params)


def tickets_refresh_batch(tickets: list[Ticket], codes: dict[str, int] | None = None) -> int:
    """Recompute the facts of ``tickets`` and move the rollups by the merged difference.

    One transaction; each table read once for all the tickets; the tickets whose facts changed
    have their facts replaced in two statements and their differences summed into one set of
    rollup rows (one upsert). Most events leave a ticket's facts as they were (a later event's
    refresh already saw the state): then nothing is written for it. Recomputing from what is
    stored makes a repeated event harmless. Return how many tickets changed.
    """
    if not tickets:
        return 0
    with transaction.atomic():
        ids = sorted({t.pk for t in tickets})  # one lock order for concurrent workers
        old = _stored(ids)
        new = tickets_facts(list({t.pk: t for t in tickets}.values()), codes)
        delta: dict[Key, Counter[str]] = {}
        changed: list[int] = []
        for ticket_id in ids:
            before, after = old[ticket_id], new[ticket_id]
            if _signature(before) == _signature(after):
                continue
            changed.append(ticket_id)
            for row in before:
                delta.setdefault(row.key(), Counter()).subtract(row.counts)
            for row in after:
                delta.setdefault(row.key(), Counter()).update(row.counts)
        if not changed:
            return 0
        Fact.objects.filter(ticket_id__in=changed).delete()
        _facts_insert([r for t in changed for r in new[t]])
        _apply(delta)
    return len(changed)


def ticket_refresh(ticket: Ticket, codes: dict[str, int] | None = None) -> None:
    """Recompute ``ticket``'s facts and move the rollups by the difference."""
    tickets_refresh_batch([ticket], codes)


def rollup_on_events(events: list[TicketEvent]) -> None:
    """Outbox subscriber ``stats.rollup`` (batch): each touched ticket recomputed once."""
    tickets_refresh_batch([event.ticket for event in events])


def rollup_on_event(event: TicketEvent) -> None:
    """One event's ticket, recomputed (``rollup_on_events`` with one event)."""
    rollup_on_events([event])


def subscribers_register() -> None:
    ticket_events.subscribe("stats.rollup", rollup_on_events, mode="outbox", batch=True)


def stats_catch_up() -> int:
    """Refresh the tickets of supervision orders and reminders created since the last run."""
    refreshed = 0
    for name, model in (("orders", SupervisionOrder), ("reminders", Reminder)):
        with transaction.atomic():
            mark, _ = Watermark.objects.select_for_update().get_or_create(name=name)
            rows = list(
                model.objects.filter(pk__gt=mark.last_id)
                .order_by("pk")
                .values_list("pk", "ticket_id")[:5000]
            )
            if not rows:
                continue
            tickets = list(Ticket.objects.filter(pk__in={t for _, t in rows}))
            tickets_refresh_batch(tickets, unit_codes())
            refreshed += len(tickets)
            mark.last_id = rows[-1][0]
            mark.save(update_fields=["last_id"])
    return refreshed


def day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """Return the instants that bound whole days ``start``…``end`` in the centre's zone."""
    zone = ZoneInfo(settings.TIME_ZONE)
    return (
        datetime.combine(start, time.min, tzinfo=zone),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone),
    )


def _facts_store(tickets: list[Ticket], codes: dict[str, int]) -> None:
    if tickets:
        facts = tickets_facts(tickets, codes)
        _facts_insert([r for t in tickets for r in facts[t.pk]])


def rollup_rebuild(start: date, end: date, *, batch: int = 500) -> dict[str, int]:
    """Recompute the facts and rollups of the tickets registered ``start``…``end``.

    The fine and day rows of the range are summed again from the facts; the months the range
    touches are summed again from their day rows (the days outside the range are kept).
    """
    low, high = day_bounds(start, end)
    codes = unit_codes()
    tickets = 0
    first_month, last_month = start.replace(day=1), end.replace(day=1)
    with transaction.atomic():
        Fact.objects.filter(day__gte=start, day__lte=end).delete()
        for level in LEVELS:
            low_key = first_month if level.period == "month" else start
            high_key = last_month if level.period == "month" else end
            level.model._default_manager.filter(
                **{f"{level.period}__gte": low_key, f"{level.period}__lte": high_key}
            ).delete()
        query = Ticket.objects.filter(registered_at__gte=low, registered_at__lt=high).order_by("pk")
        chunk: list[Ticket] = []
        for ticket in query.iterator(chunk_size=batch):
            chunk.append(ticket)
            tickets += 1
            if len(chunk) >= batch:
                _facts_store(chunk, codes)
                chunk = []
        _facts_store(chunk, codes)
        sums = (
            Fact.objects.filter(day__gte=start, day__lte=end)
            .values(*KEYS)
            .annotate(**{f"s_{n}": Sum(n) for n in COUNTERS})
        )
        delta: dict[Key, Counter[str]] = {}
        for s in sums:
            key: Key = (s["day"], s["unit_key"], s["channel"], s["category"], s["area_key"])
            delta[key] = Counter({n: s[f"s_{n}"] for n in COUNTERS if s[f"s_{n}"]})
        for level in LEVELS:
            coarse = _project(level, delta)
            if level.model is UnitMonthRollup:
                # The months are summed again whole: the range's part and the days outside it.
                outside = UnitDayRollup.objects.filter(
                    Q(day__gte=first_month, day__lt=start)
                    | Q(day__gt=end, day__lt=_next_month(last_month))
                )
                for row in outside.values("day", "unit_key", *COUNTERS):
                    month_key = (row["day"].replace(day=1), row["unit_key"])
                    coarse.setdefault(month_key, Counter()).update({n: row[n] for n in COUNTERS})
            _bulk_create(level, coarse)
        rollups = len(delta)
    return {"tickets": tickets, "rollups": rollups}


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _bulk_create(level: Level, rows: dict[tuple[Any, ...], Counter[str]]) -> None:
    model = level.model
    model._default_manager.bulk_create(
        [
            model(**dict(zip(level.keys, key, strict=True)), **{n: c[n] for n in COUNTERS})
            for key, c in sorted(rows.items())
            if any(c.values())
        ],
        batch_size=1000,
    )


def rollup_rows(start: date, end: date) -> set[tuple[Any, ...]]:
    """Return the non-empty rollup rows of every level over ``start``…``end`` as comparable
    tuples (tests): the level's table, its keys, its counters."""
    found = set()
    for level in LEVELS:
        low = start.replace(day=1) if level.period == "month" else start
        rows = level.model._default_manager.filter(
            **{f"{level.period}__gte": low, f"{level.period}__lte": end}
        )
        for row in rows.values(*level.keys, *COUNTERS):
            if any(row[n] for n in COUNTERS):
                name = level.model._meta.model_name
                found.add((name, *(row[k] for k in (*level.keys, *COUNTERS))))
    return found


def tickets_refresh(tickets: Iterable[Ticket], *, batch: int = 500) -> int:
    """Refresh ``tickets`` in batches of ``batch``; return how many were read."""
    codes = unit_codes()
    n = 0
    pending: list[Ticket] = []
    for ticket in tickets:
        pending.append(ticket)
        n += 1
        if len(pending) >= batch:
            tickets_refresh_batch(pending, codes)
            pending = []
    tickets_refresh_batch(pending, codes)
    return n
