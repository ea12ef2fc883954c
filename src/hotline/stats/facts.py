"""What one ticket contributes to each indicator (docs/metrics.md): the one implementation.

``ticket_facts`` reads a ticket's events, its deadlines and the supervision rows about it and
returns one row per unit it was dispatched to, plus one row for the ticket itself (``unit_key``
0: the centre's indicators); ``tickets_facts`` does the same for many tickets with one query
per table. It depends only on what is stored, never on the clock, so the
incremental rollup and ``hotline stats rebuild`` reach the same figures (STATS-1, A20).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings

from hotline.directory.models import Unit
from hotline.supervision.models import Reminder, SupervisionOrder
from hotline.tickets.models import Assignment, Ticket, TicketEvent

CENTRE = 0
DISPATCHES = {"ticket.dispatched", "ticket.redispatched", "ticket.redo"}
RATED = ("satisfied", "basically_satisfied", "dissatisfied")


def local_day(moment: Any) -> date:
    """Return the calendar day of ``moment`` in the centre's zone (Asia/Shanghai)."""
    day: date = moment.astimezone(ZoneInfo(settings.TIME_ZONE)).date()
    return day


@dataclass
class FactRow:
    """One fact before it is stored: its keys and its non-zero counters."""

    ticket_id: int
    unit_key: int
    day: date
    channel: str
    category: str
    area_key: int
    counts: Counter[str] = field(default_factory=Counter)

    def key(self) -> tuple[date, int, str, str, int]:
        return (self.day, self.unit_key, self.channel, self.category, self.area_key)


@dataclass(frozen=True)
class _Deadline:
    """The three instants of a deadline that the facts read."""

    due_at: Any
    met_at: Any
    breached_at: Any


def _in_time(deadline: _Deadline | None) -> int:
    if deadline is None or deadline.met_at is None:
        return 0
    return int(deadline.due_at is None or deadline.met_at <= deadline.due_at)


def _callback(counts: Counter[str], result: str, payload: dict[str, Any]) -> None:
    """Record the last rated callback of the ticket (one-hot; unreached counted apart)."""
    if result == "unreached":
        counts["unreached"] += 1
        return
    if result not in RATED:
        return
    for name in (*RATED, "solved"):
        counts[name] = 0
    counts["callbacks"] = 1
    counts[result] = 1
    counts["solved"] = int(payload.get("solved") is True)


def unit_codes() -> dict[str, int]:
    """Return every unit's pk by code (events name units by code)."""
    return dict(Unit.objects.values_list("code", "pk"))


@dataclass
class _Loaded:
    """What the facts of a set of tickets read, fetched in one query per table."""

    events: dict[int, list[tuple[str, Any]]] = field(default_factory=dict)
    deadlines: dict[int, list[tuple[Any, ...]]] = field(default_factory=dict)
    orders: dict[int, list[int]] = field(default_factory=dict)
    reminders: dict[int, list[int]] = field(default_factory=dict)


def _load(ids: list[int]) -> _Loaded:
    loaded = _Loaded()
    rows = (
        TicketEvent.objects.filter(ticket_id__in=ids)
        .order_by("ticket_id", "at", "id")
        .values_list("ticket_id", "action", "payload")
    )
    for ticket_id, action, payload in rows:
        loaded.events.setdefault(ticket_id, []).append((action, payload))
    # The kept lead assignments, each with its deadlines (LEFT JOIN).
    assignments = (
        Assignment.objects.filter(
            ticket_id__in=ids, role=Assignment.Role.LEAD, returned_at__isnull=True
        )
        .order_by("ticket_id", "dispatched_at", "id", "deadlines__id")
        .values_list(
            "ticket_id",
            "pk",
            "unit_id",
            "deadlines__kind",
            "deadlines__due_at",
            "deadlines__met_at",
            "deadlines__breached_at",
        )
    )
    for ticket_id, *rest in assignments:
        loaded.deadlines.setdefault(ticket_id, []).append(tuple(rest))
    orders = SupervisionOrder.objects.filter(ticket_id__in=ids, unit__isnull=False)
    for ticket_id, unit_id in orders.order_by("pk").values_list("ticket_id", "unit_id"):
        loaded.orders.setdefault(ticket_id, []).append(unit_id)
    reminders = Reminder.objects.filter(ticket_id__in=ids)
    for ticket_id, unit_id in reminders.order_by("pk").values_list("ticket_id", "unit_id"):
        loaded.reminders.setdefault(ticket_id, []).append(unit_id)
    return loaded


def tickets_facts(
    tickets: list[Ticket], codes: dict[str, int] | None = None
) -> dict[int, list[FactRow]]:
    """Return the facts of each of ``tickets`` by ticket id, reading each table once."""
    ids = [t.pk for t in tickets]
    loaded = _load(ids)
    if codes is None:  # only the units the events name, not the whole directory
        named = {
            str((p or {}).get("unit", ""))
            for events in loaded.events.values()
            for a, p in events
            if a in DISPATCHES
        }
        codes = dict(Unit.objects.filter(code__in=named).values_list("code", "pk")) if named else {}
    return {t.pk: _facts(t, loaded, codes) for t in tickets}


def ticket_facts(ticket: Ticket, codes: dict[str, int] | None = None) -> list[FactRow]:
    """Return the facts of ``ticket``: one for the centre and one per lead unit (STATS-1)."""
    return tickets_facts([ticket], codes)[ticket.pk]


def _facts(ticket: Ticket, loaded: _Loaded, codes: dict[str, int]) -> list[FactRow]:
    def row(unit_key: int) -> FactRow:
        return FactRow(
            ticket_id=ticket.pk,
            unit_key=unit_key,
            day=local_day(ticket.registered_at),
            channel=ticket.channel,
            category=ticket.category,
            area_key=ticket.area_id or 0,
        )

    centre = row(CENTRE)
    units: dict[int, FactRow] = {}
    lead: int | None = None
    c = centre.counts
    c["registered"] = 1
    for action, raw in loaded.events.get(ticket.pk, []):
        payload = raw or {}
        here = units[lead].counts if lead is not None else None
        if action in DISPATCHES:
            unit_id = codes.get(str(payload.get("unit", "")))
            if unit_id is None:
                continue
            lead = unit_id
            u = units.setdefault(unit_id, row(unit_id)).counts
            u["received"] = 1
            if action != "ticket.dispatched":
                u["redispatched"] += 1
                c["redispatched"] += 1
            if action == "ticket.redo":
                u["redo"] += 1
                c["redo"] += 1
        elif action == "ticket.rejected":
            c["rejected"] = 1
        elif action == "ticket.navigated":
            c["navigated"] = 1
        elif action == "ticket.answered":
            c["answered"] = 1
        elif action == "ticket.evaluated":
            c["evaluated"] = 1
        elif action == "ticket.returned":
            if here is not None:
                here["returned"] += 1
            c["returned"] += 1
            lead = None
        elif action == "ticket.extension.approved":
            c["extended"] = 1
            if here is not None:
                here["extended"] = 1
        elif action == "ticket.explained":
            c["explained"] = 1
            if here is not None:
                here["explained"] = 1
        elif action == "ticket.replied":
            c["replied"] = 1
            if here is not None:
                here["replied"] = 1
        elif action == "ticket.called_back":
            result = str(payload.get("result", ""))
            _callback(c, result, payload)
            if here is not None:
                _callback(here, result, payload)
        elif action == "ticket.closed":
            c["closed"] = 1
            if here is not None:
                here["closed"] = 1
    c["accepted"] = int(not c["rejected"] and not c["navigated"])
    if units:
        _deadline_facts(loaded.deadlines.get(ticket.pk, []), units)
    _supervision_facts(
        loaded.orders.get(ticket.pk, []), loaded.reminders.get(ticket.pk, []), centre, units, row
    )
    if any(f.counts["on_time"] or f.counts["overdue"] for f in units.values()):
        lead_fact = units.get(lead) if lead is not None else None
        final = lead_fact or next(reversed(units.values()))
        c["on_time"] = final.counts["on_time"]
        c["overdue"] = final.counts["overdue"]
    return [centre, *units.values()]


def _deadline_facts(rows: list[tuple[Any, ...]], units: dict[int, FactRow]) -> None:
    """On time, overdue, signed and contacted in time: the unit's latest kept assignment."""
    latest: dict[int, int] = {}
    deadlines: dict[tuple[int, str], _Deadline] = {}
    for assignment_id, unit_id, kind, due_at, met_at, breached_at in rows:
        if unit_id not in units:
            continue
        latest[unit_id] = assignment_id
        if kind is not None:
            deadlines[(assignment_id, kind)] = _Deadline(due_at, met_at, breached_at)
    if not latest:
        return
    for unit_id, assignment_id in latest.items():
        counts = units[unit_id].counts
        counts["signed_in_time"] = _in_time(deadlines.get((assignment_id, "sign_for")))
        counts["contacted_in_time"] = _in_time(deadlines.get((assignment_id, "first_contact")))
        reply = deadlines.get((assignment_id, "reply"))
        if reply is None or not counts["replied"]:
            late = reply is not None and reply.breached_at is not None
            counts["overdue"] = int(late)
            continue
        counts["on_time"] = _in_time(reply)
        counts["overdue"] = 1 - counts["on_time"]


def _supervision_facts(
    orders: list[int], reminders: list[int], centre: FactRow, units: dict[int, FactRow], row: Any
) -> None:
    """Supervision orders and reminder notices about the ticket, by the unit they name."""
    for unit_id in orders:
        units.setdefault(unit_id, row(unit_id)).counts["supervised"] = 1
        centre.counts["supervised"] = 1
    for unit_id in reminders:
        units.setdefault(unit_id, row(unit_id)).counts["reminders"] += 1
        centre.counts["reminders"] += 1
