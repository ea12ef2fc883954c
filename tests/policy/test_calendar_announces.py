"""The calendar announces changed working days; the tickets react in their own receiver (A28)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from hotline.policy.models import CalendarOverride
from hotline.policy.services import OverrideRow, calendar_import
from hotline.policy.signals import calendar_changed
from hotline.tickets import services as svc
from hotline.tickets.models import Deadline

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def heard():
    calls: list[dict] = []

    def receiver(**kwargs):
        calls.append(kwargs)
        return {"heard": 1}

    calendar_changed.connect(receiver, dispatch_uid="test.heard")
    yield calls
    calendar_changed.disconnect(dispatch_uid="test.heard")


def _provisional_ticket(agent):
    """A dispatch deadline that falls in 2027, a year the calendar does not know yet."""
    ticket = svc.ticket_register(
        actor=agent,
        channel="phone",
        category="help",
        content="路灯不亮",
        citizen_phone="13900001111",
        now=datetime(2026, 12, 31, 16, 0, tzinfo=TZ),
    )
    deadline = ticket.deadlines.get(kind="dispatch")
    assert deadline.provisional
    return deadline


def test_an_import_is_announced_with_its_dates_and_the_receivers_counts(heard):
    rows = [OverrideRow(date(2027, 1, 5), False), OverrideRow(date(2027, 1, 4), False)]
    counts = calendar_import(rows=rows, source_document="国办发明电〔2026〕1号")
    assert len(heard) == 1
    assert heard[0]["dates"] == [date(2027, 1, 4), date(2027, 1, 5)]
    assert heard[0]["source_document"] == "国办发明电〔2026〕1号"
    assert counts["heard"] == 1
    assert counts["created"] == 2
    assert "deadlines_moved" in counts  # the tickets' receiver answered


@pytest.mark.req("A28")
def test_the_tickets_move_provisional_deadlines_when_an_override_is_saved_by_hand(
    client, agent, centre_admin, heard
):
    """A28: an override entered in the administration moves provisional deadlines at once."""
    deadline = _provisional_ticket(agent)
    before = deadline.due_at
    client.force_login(centre_admin)
    response = client.post(
        reverse("admin:policy_calendaroverride_add"),
        {"date": (before - timedelta(minutes=1)).astimezone(TZ).date().isoformat(), "note": "调休"},
    )
    assert response.status_code == 302, response.content[:500]
    assert CalendarOverride.objects.count() == 1
    assert len(heard) == 1
    deadline = Deadline.objects.get(pk=deadline.pk)
    assert deadline.due_at > before
    assert deadline.ticket.events.filter(action="ticket.deadline.moved").count() == 1
