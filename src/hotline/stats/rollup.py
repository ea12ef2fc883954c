"""The daily rollups, kept current from the ticket events through the outbox (STATS-1).

Ticket events reach ``rollup_on_events`` after their commit, in batches of up to
``core.events.BATCH`` (outbox subscriber ``stats.rollup``, ``batch=True``): in one transaction
it recomputes each touched ticket's facts once (``facts.tickets_facts``, one query per table),
replaces those that changed, and adds the merged difference to the day's rollup rows in one
upsert. Supervision has no event channel: the worker's
``stats_catch_up`` refreshes the tickets of new orders and reminder notices. ``rollup_rebuild``
recomputes a range of registration days from scratch; both paths give the same rows
(tests/stats/test_rollup.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Sum

from hotline.stats.facts import FactRow, tickets_facts, unit_codes
from hotline.stats.models import COUNTERS, DailyRollup, Fact, Watermark
from hotline.supervision.models import Reminder, SupervisionOrder
from hotline.tickets.events import ticket_events
from hotline.tickets.models import Ticket, TicketEvent

Key = tuple[date, int, str, str, int]
KEYS = ("day", "unit_key", "channel", "category", "area_key")


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


def _upsert_sql(rows: int) -> str:
    """Return the statement that adds ``rows`` rows of counters to the rollups in one go."""
    table = connection.ops.quote_name(DailyRollup._meta.db_table)
    columns = ", ".join((*KEYS, *COUNTERS))
    values = ", ".join(["(" + ", ".join(["%s"] * (len(KEYS) + len(COUNTERS))) + ")"] * rows)
    add = ", ".join(f"{n} = {table}.{n} + excluded.{n}" for n in COUNTERS)
    return (
        f"INSERT INTO {table} ({columns}) VALUES {values} "  # noqa: S608 - our own identifiers
        f"ON CONFLICT ({', '.join(KEYS)}) DO UPDATE SET {add}"
    )


def _apply(delta: dict[Key, Counter[str]]) -> None:
    """Add ``delta`` to the rollup rows (creating the missing ones).

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
        where = dict(zip(KEYS, key, strict=True))
        DailyRollup.objects.filter(**where).update(
            **{name: F(name) + value for name, value in changes.items()}
        )
    if grow:
        params: list[Any] = []
        for key, changes in grow:
            params.extend(key)
            params.extend(changes.get(n, 0) for n in COUNTERS)
        with connection.cursor() as cursor:
            cursor.execute(_upsert_sql(len(grow)), params)


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
    """Recompute the facts and rollups of the tickets registered ``start``…``end``."""
    low, high = day_bounds(start, end)
    codes = unit_codes()
    tickets = 0
    with transaction.atomic():
        Fact.objects.filter(day__gte=start, day__lte=end).delete()
        DailyRollup.objects.filter(day__gte=start, day__lte=end).delete()
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
        rollups = [
            DailyRollup(**{k: s[k] for k in KEYS}, **{n: s[f"s_{n}"] for n in COUNTERS})
            for s in sums
        ]
        DailyRollup.objects.bulk_create(rollups, batch_size=1000)
    return {"tickets": tickets, "rollups": len(rollups)}


def rollup_rows(start: date, end: date) -> set[tuple[Any, ...]]:
    """Return the non-empty rollup rows of ``start``…``end`` as comparable tuples (tests)."""
    found = set()
    for row in DailyRollup.objects.filter(day__gte=start, day__lte=end).values(*KEYS, *COUNTERS):
        if any(row[n] for n in COUNTERS):
            found.add(tuple(row[k] for k in (*KEYS, *COUNTERS)))
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
