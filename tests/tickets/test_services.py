"""The main path of a ticket through the services, and provisional deadlines (A28)."""

from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from hotline.core.errors import DomainError, InvalidInput
from hotline.directory.models import Unit
from hotline.tickets.models import Deadline, DeadlineChange, Ticket, TicketEvent
from hotline.tickets.services import (
    ticket_contact,
    ticket_dispatch,
    ticket_register,
    ticket_reply,
    ticket_sign,
)

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


@pytest.fixture
def ticket(agent):
    return ticket_register(
        actor=agent,
        channel="phone",
        category="help",
        content="小区电梯坏了三天没人修",
        citizen_phone="13900001111",
        now=at("2026-09-30 15:00"),
    )


def test_register_numbers_the_ticket_by_day_and_starts_the_dispatch_clock(agent, ticket):
    """INTAKE-4: one matter, one numbered ticket."""
    assert ticket.number == "20260930-000001"
    assert ticket.state == "registered"
    second = ticket_register(
        actor=agent,
        channel="web",
        category="consultation",
        content="咨询",
        citizen_phone="13900001111",
        now=at("2026-09-30 16:00"),
    )
    assert second.number == "20260930-000002"
    assert second.citizen == ticket.citizen
    assert ticket.deadlines.get().kind == "dispatch"


@pytest.mark.req("SLA-5")
def test_the_main_path_records_events_and_meets_deadlines(agent, unit_officer, unit, ticket):
    """HANDLE-1/2/4: dispatch starts the unit's clocks; each step meets its own."""
    ticket_dispatch(actor=agent, ticket=ticket, unit_code=unit.code, now=at("2026-09-30 16:00"))
    reply = ticket.deadlines.get(kind="reply")
    # national-12345: help within 5 working days: 8, 9, 10 (a worked Saturday), 12, 13 Oct.
    assert reply.due_at == at("2026-10-14 00:00")
    ticket_sign(actor=unit_officer, ticket=ticket, now=at("2026-10-08 09:00"))
    ticket_contact(actor=unit_officer, ticket=ticket, note="已电话联系", now=at("2026-10-08 10:00"))
    ticket_reply(actor=unit_officer, ticket=ticket, content="已修复", now=at("2026-10-09 10:00"))
    ticket.refresh_from_db()
    assert ticket.state == "replied"
    actions = list(ticket.events.values_list("action", flat=True))
    assert actions == [
        "ticket.registered",
        "ticket.dispatched",
        "ticket.signed",
        "ticket.contacted",
        "ticket.replied",
    ]
    assert not ticket.deadlines.filter(met_at__isnull=True).exclude(kind="callback").exists()


def test_another_unit_cannot_sign_and_nothing_changes(agent, outsider, unit, ticket):
    ticket_dispatch(actor=agent, ticket=ticket, unit_code=unit.code, now=at("2026-09-30 16:00"))
    events = TicketEvent.objects.count()
    with pytest.raises(DomainError) as refused:
        ticket_sign(actor=outsider, ticket=ticket)
    assert refused.value.code == "unit_not_allowed"
    ticket.refresh_from_db()
    assert ticket.state == "dispatched"
    assert TicketEvent.objects.count() == events


def test_a_unit_that_has_not_joined_cannot_receive_tickets(agent, unit, ticket):
    """SCOPE-2: matters of units that have not joined are not dispatched to them."""
    unit.joined = False
    unit.save()
    with pytest.raises(InvalidInput):
        ticket_dispatch(actor=agent, ticket=ticket, unit_code=unit.code)
    assert Ticket.objects.get(pk=ticket.pk).state == "registered"


def test_a_stale_copy_loses_with_a_conflict(agent, unit, ticket):
    stale = Ticket.objects.get(pk=ticket.pk)
    ticket_dispatch(actor=agent, ticket=ticket, unit_code=unit.code)
    Unit.objects.create(code="X2", name="另一单位", kind="department")
    with pytest.raises(DomainError) as lost:
        ticket_dispatch(actor=agent, ticket=stale, unit_code="X2")
    assert lost.value.code in {"conflict", "transition_not_allowed"}


@pytest.mark.req("SLA-1")
def test_publishing_next_year_recomputes_only_provisional_deadlines(agent, unit, tmp_path):
    """A28: 2027 deadlines are provisional until the year arrives, then move with an event."""
    late = ticket_register(
        actor=agent,
        channel="phone",
        category="complaint",
        content="投诉噪音",
        citizen_phone="13900002222",
        now=at("2026-12-28 10:00"),
    )
    early = ticket_register(
        actor=agent,
        channel="phone",
        category="help",
        content="求助",
        citizen_phone="13900003333",
        now=at("2026-11-02 10:00"),
    )
    ticket_dispatch(actor=agent, ticket=late, unit_code=unit.code, now=at("2026-12-28 11:00"))
    ticket_dispatch(actor=agent, ticket=early, unit_code=unit.code, now=at("2026-11-02 11:00"))
    reply = late.deadlines.get(kind="reply")
    assert reply.provisional
    assert reply.due_at == at("2027-01-20 00:00")  # 15 working days on the Mon–Fri fallback
    early_reply = early.deadlines.get(kind="reply")
    assert not early_reply.provisional

    # Suppose 2027's arrangement makes 18 and 19 January rest days.
    path = tmp_path / "2027.csv"
    path.write_text(
        "2027-01-01,rest,元旦\n2027-01-18,rest,假定\n2027-01-19,rest,假定\n", encoding="utf-8"
    )
    out = io.StringIO()
    call_command("calendar_import", str(path), "--published-year", "2027", stdout=out)
    assert "recomputed" in out.getvalue()

    reply.refresh_from_db()
    assert reply.due_at == at("2027-01-22 00:00")
    assert not reply.provisional
    change = DeadlineChange.objects.get(deadline=reply)
    assert change.old_due_at == at("2027-01-20 00:00")
    moved = late.events.filter(action="ticket.deadline.moved")
    assert moved.count() == 1
    assert not early.events.filter(action="ticket.deadline.moved").exists()
    assert Deadline.objects.get(pk=early_reply.pk).due_at == early_reply.due_at
