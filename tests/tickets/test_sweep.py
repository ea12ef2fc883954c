"""The sweep: warning and overdue events and notifications, once each (SLA-5)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from hotline.notifications.models import InboxItem, OutboxMessage
from hotline.notifications.services import outbox_deliver
from hotline.tickets import services as svc
from hotline.tickets.sweep import deadlines_sweep

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


@pytest.fixture
def dispatched(agent, unit):
    ticket = svc.ticket_register(
        actor=agent,
        channel="phone",
        category="help",
        content="楼道堆放杂物堵塞消防通道",
        citizen_phone="13900006666",
        now=at("2026-11-02 09:00"),
    )
    svc.ticket_dispatch(actor=agent, ticket=ticket, unit_code=unit.code, now=at("2026-11-02 10:00"))
    return ticket


@pytest.mark.req("SLA-5")
def test_each_deadline_is_warned_then_breached_once(dispatched, unit_officer, supervisor):
    sign_for = dispatched.deadlines.get(kind="sign_for")
    assert sign_for.warn_at is not None and sign_for.warn_at < sign_for.due_at
    assert sign_for.light(sign_for.start_at) == "normal"
    assert sign_for.light(sign_for.warn_at) == "warning"
    assert sign_for.light(sign_for.due_at) == "overdue"

    before = deadlines_sweep(now=sign_for.warn_at - timedelta(seconds=1))
    assert before.warned == 0 and before.overdue == 0
    warned = deadlines_sweep(now=sign_for.warn_at)
    assert warned.warned >= 1
    again = deadlines_sweep(now=sign_for.warn_at + timedelta(seconds=30))
    assert again.warned == 0  # once, however often the sweep runs
    assert dispatched.events.filter(action="ticket.deadline.warning").count() == warned.warned

    deadlines_sweep(now=sign_for.due_at)
    deadlines_sweep(now=sign_for.due_at + timedelta(minutes=1))
    overdue = dispatched.events.filter(action="ticket.deadline.overdue")
    assert overdue.filter(payload__kind="sign_for").count() == 1

    delivered, failed = outbox_deliver(now=sign_for.due_at + timedelta(minutes=2))
    assert failed == 0 and delivered > 0
    # The unit's handler hears of the warning and the breach; the centre of the breach.
    handler_items = InboxItem.objects.filter(user=unit_officer, topic__startswith="ticket.deadline")
    assert handler_items.filter(topic="ticket.deadline.overdue").exists()
    assert InboxItem.objects.filter(user=supervisor, topic="ticket.deadline.overdue").exists()
    assert not InboxItem.objects.filter(user=supervisor, topic="ticket.deadline.warning").exists()


@pytest.mark.req("SLA-5")
def test_a_met_deadline_is_never_swept(dispatched, unit_officer):
    sign_for = dispatched.deadlines.get(kind="sign_for")
    svc.ticket_sign(
        actor=unit_officer, ticket=dispatched, now=sign_for.start_at + timedelta(minutes=5)
    )
    deadlines_sweep(now=sign_for.due_at + timedelta(days=1))
    assert not dispatched.events.filter(
        action__startswith="ticket.deadline.", payload__kind="sign_for"
    ).exists()


def test_a_deadline_first_seen_overdue_gets_no_late_warning(dispatched):
    reply = dispatched.deadlines.get(kind="reply")
    deadlines_sweep(now=reply.due_at + timedelta(hours=1))
    deadlines_sweep(now=reply.due_at + timedelta(hours=2))
    kinds = list(dispatched.events.filter(payload__kind="reply").values_list("action", flat=True))
    assert kinds == ["ticket.deadline.overdue"]


def test_sweeping_in_small_batches_handles_everything(agent, unit):
    tickets = [
        svc.ticket_register(
            actor=agent,
            channel="phone",
            category="consultation",
            content=f"咨询事项{i}",
            citizen_phone=f"1390000{i:04d}",
            now=at("2026-11-02 09:00"),
        )
        for i in range(7)
    ]
    result = deadlines_sweep(now=at("2026-12-30 09:00"), batch=2)
    assert result.overdue == 7
    for ticket in tickets:
        assert ticket.events.filter(action="ticket.deadline.overdue").count() == 1
    # The dispatch clock is the centre's: the breach goes to the supervisors (unit None).
    assert (
        OutboxMessage.objects.filter(topic="ticket.deadline.overdue", unit=None)
        .exclude(adapter="event")  # the outbox subscribers' rows (stats.rollup)
        .count()
        == 14
    )


def test_the_worker_sweeps_and_delivers_every_minute():
    from huey.contrib.djhuey import HUEY

    periodic = {task.name for task in HUEY._registry.periodic_tasks}
    assert {"sweep_deadlines", "outbox_deliver_due"} <= periodic


def test_hotline_sweep_runs_both_at_once(dispatched):
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("sweep", stdout=out)
    assert "overdue" in out.getvalue() and "delivered" in out.getvalue()
    assert dispatched.events.filter(action="ticket.deadline.overdue").exists()  # Nov 2 is past
