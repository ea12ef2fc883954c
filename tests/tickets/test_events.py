"""Ticket events as a published interface: a subscriber sees every event once, in both modes.

The subscribers here play a module that reacts to tickets (as ``stats`` or ``supervision`` will),
registered for the test and removed after it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction

from hotline.notifications.models import EventReceipt, OutboxMessage
from hotline.notifications.services import events_enqueue, outbox_deliver
from hotline.policy.profiles import load_profile
from hotline.policy.services import OverrideRow, calendar_import
from hotline.tickets import services as svc
from hotline.tickets.events import ticket_events
from hotline.tickets.models import Ticket, TicketEvent
from hotline.tickets.sweep import deadlines_sweep
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")

#: The part-2 profile rules' codes (issue 12: urgent, assisting, escalation, reclassification,
#: event reports). They go through the same ``_event`` -> ``events_record`` door; their own
#: tests (tests/tickets/test_profile_rules_part2.py and the state machine) drive them.
PART2_CODES = {
    code
    for code in svc.EVENT_ACTIONS
    if code.split(".")[1] in {"liaison", "assist", "escalation", "reclassify", "event", "urgent"}
}

#: Every code a ticket's timeline can hold (docs/events.md); the story below produces each.
EVERY_CODE = ({*svc.EVENT_ACTIONS} - PART2_CODES) | {
    "ticket.deadline.warning",
    "ticket.deadline.overdue",
    "ticket.deadline.moved",
}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


@pytest.fixture(autouse=True)
def only_test_outbox_subscribers():
    """Set the apps' own outbox subscribers (``stats.rollup``) aside: these tests count the
    outbox rows and receipts of the test subscribers alone."""
    others = [s for s in ticket_events.subscribers() if s.mode == "outbox"]
    for subscriber in others:
        ticket_events.unsubscribe(subscriber.name)
    yield
    for subscriber in others:
        ticket_events.subscribe(
            subscriber.name,
            subscriber.handler,
            codes=subscriber.codes,
            mode=subscriber.mode,
            batch=subscriber.batch,
        )


@pytest.fixture
def seen():
    """Subscribe one transaction and one outbox subscriber; return what each received."""
    received: dict[str, list[tuple[int, str]]] = {"transaction": [], "outbox": []}

    def in_transaction(events):
        received["transaction"].extend((e.pk, e.action) for e in events)

    def later(event):
        assert isinstance(event.ticket, Ticket)  # reloaded with its ticket
        received["outbox"].append((event.pk, event.action))

    ticket_events.subscribe("test.in_transaction", in_transaction)
    ticket_events.subscribe("test.later", later, mode="outbox")
    yield received
    ticket_events.unsubscribe("test.in_transaction")
    ticket_events.unsubscribe("test.later")


def _register(agent, phone: str, when: str) -> Ticket:
    return svc.ticket_register(
        actor=agent,
        channel="phone",
        category="help",
        content="小区路灯损坏多日无人修理",
        citizen_phone=phone,
        now=at(when),
    )


def _story(agent, unit, unit_officer, supervisor, callback_agent, inspector, centre_admin):
    """Run tickets through every action, the sweep and a calendar change."""
    # 1. The long road: returned, extended (refused, then approved), redone, closed, archived.
    t = _register(agent, "13900000001", "2026-11-02 09:00")
    svc.ticket_dispatch(actor=agent, ticket=t, unit_code=unit.code, now=at("2026-11-02 10:00"))
    svc.ticket_sign(actor=unit_officer, ticket=t, now=at("2026-11-02 10:30"))
    svc.ticket_contact(actor=unit_officer, ticket=t, note="已电话联系", now=at("2026-11-02 11:00"))
    svc.ticket_return(
        actor=unit_officer,
        ticket=t,
        reason="不属本单位",
        basis="三定方案",
        now=at("2026-11-02 12:00"),
    )
    svc.ticket_redispatch(actor=agent, ticket=t, unit_code=unit.code, now=at("2026-11-02 14:00"))
    svc.ticket_sign(actor=unit_officer, ticket=t, now=at("2026-11-02 15:00"))
    due = t.deadlines.get(kind="reply", met_at__isnull=True).due_at
    first = svc.ticket_extension_request(
        actor=unit_officer,
        ticket=t,
        until=due + timedelta(days=2),
        reason="情况复杂",
        basis="需现场勘查",
        now=at("2026-11-03 09:00"),
    )
    svc.ticket_extension_decide(
        actor=supervisor,
        ticket=t,
        extension_id=first.pk,
        decision="refused",
        note="理由不足",
        now=at("2026-11-03 10:00"),
    )
    second = svc.ticket_extension_request(
        actor=unit_officer,
        ticket=t,
        until=due + timedelta(days=2),
        reason="需协调多个部门",
        basis="需现场勘查",
        now=at("2026-11-03 11:00"),
    )
    svc.ticket_extension_decide(
        actor=supervisor,
        ticket=t,
        extension_id=second.pk,
        decision="approved",
        now=at("2026-11-03 12:00"),
    )
    svc.ticket_escalate(actor=unit_officer, ticket=t, note="报分管领导", now=at("2026-11-03 13:00"))
    svc.ticket_reply(actor=unit_officer, ticket=t, content="已修复", now=at("2026-11-04 09:00"))
    svc.ticket_callback(
        actor=callback_agent, ticket=t, result="dissatisfied", now=at("2026-11-04 10:00")
    )
    svc.ticket_redo(actor=inspector, ticket=t, note="重办", now=at("2026-11-04 11:00"))
    svc.ticket_sign(actor=unit_officer, ticket=t, now=at("2026-11-04 12:00"))
    svc.ticket_reply(actor=unit_officer, ticket=t, content="已彻底修复", now=at("2026-11-05 09:00"))
    svc.ticket_callback(
        actor=callback_agent, ticket=t, result="satisfied", now=at("2026-11-05 10:00")
    )
    svc.ticket_close(actor=callback_agent, ticket=t, now=at("2026-11-05 11:00"))
    svc.ticket_reopen(actor=agent, ticket=t, note="市民再次来电", now=at("2026-11-05 12:00"))
    svc.ticket_transfer(actor=agent, ticket=t, platform="市12345热线", now=at("2026-11-05 13:00"))
    # 2. Answered later by the agent, closed, archived.
    t = _register(agent, "13900000002", "2026-11-02 09:00")
    svc.ticket_defer(actor=agent, ticket=t, now=at("2026-11-02 09:10"))
    svc.ticket_answer(actor=agent, ticket=t, content="已答复", now=at("2026-11-02 15:00"))
    svc.ticket_close(actor=agent, ticket=t, now=at("2026-11-02 16:00"))
    svc.ticket_archive(actor=centre_admin, ticket=t, now=at("2026-11-03 09:00"))
    # 3. Not accepted; 4. cannot be solved now, explained.
    t = _register(agent, "13900000003", "2026-11-02 09:00")
    reason = load_profile(t.profile).scope.not_accepted[0]
    svc.ticket_reject(
        actor=agent, ticket=t, reason=reason.code, note="转110", now=at("2026-11-02 09:05")
    )
    t = _register(agent, "13900000004", "2026-11-02 09:00")
    svc.ticket_dispatch(actor=agent, ticket=t, unit_code=unit.code, now=at("2026-11-02 10:00"))
    svc.ticket_sign(actor=unit_officer, ticket=t, now=at("2026-11-02 10:30"))
    svc.ticket_explain(
        actor=unit_officer, ticket=t, note="需纳入明年计划", now=at("2026-11-03 10:00")
    )
    # 5. Reviewed before dispatch, under a profile that asks for it.
    t = _register(agent, "13900000005", "2026-11-02 09:00")
    Ticket.objects.filter(pk=t.pk).update(profile="tianjin-88908890")
    t.refresh_from_db()
    reviewer = UserFactory(unit=agent.unit, roles=["reviewer"])
    svc.ticket_review(actor=reviewer, ticket=t, now=at("2026-11-02 09:30"))
    # 5b. Navigation help (SCOPE-3); a direct answer evaluated at once (ANSWER-3, Tianjin).
    t = _register(agent, "13900000007", "2026-11-02 09:00")
    svc.ticket_navigate(
        actor=agent,
        ticket=t,
        note="已告知办理渠道",
        pointed_to="区民政局",
        now=at("2026-11-02 09:05"),
    )
    t = _register(agent, "13900000008", "2026-11-02 09:00")
    Ticket.objects.filter(pk=t.pk).update(profile="tianjin-88908890")
    t.refresh_from_db()
    svc.ticket_answer(actor=agent, ticket=t, content="已答复", now=at("2026-11-02 09:10"))
    t.refresh_from_db()
    svc.ticket_evaluate(actor=agent, ticket=t, result="satisfied", now=at("2026-11-02 09:11"))
    # 6. A deadline in next year's unpublished calendar is provisional; the year's file moves it.
    _register(agent, "13900000006", "2026-12-31 16:00")
    calendar_import(
        rows=[OverrideRow(day, False, "test") for day in (date(2027, 1, 4), date(2027, 1, 5))],
        source_document="test",
    )
    # 7. The sweep, daily, until everything still open has warned and breached.
    day = at("2026-11-06 09:00")
    while day <= at("2027-03-01 09:00"):
        deadlines_sweep(now=day)
        day += timedelta(days=1)


def test_every_event_reaches_each_subscriber_once(
    seen, agent, unit, unit_officer, supervisor, callback_agent, inspector, centre_admin
):
    _story(agent, unit, unit_officer, supervisor, callback_agent, inspector, centre_admin)
    timeline = list(TicketEvent.objects.order_by("id").values_list("id", "action"))
    codes = {code for _id, code in timeline}
    assert codes >= EVERY_CODE, EVERY_CODE - codes

    # In the transaction: each committed event, once, in order.
    assert seen["transaction"] == timeline

    # Through the outbox: nothing until the worker delivers, then each event once.
    assert seen["outbox"] == []
    assert OutboxMessage.objects.filter(adapter="event").count() == len(timeline)
    outbox_deliver(now=at("2027-03-01 09:01"), limit=100_000)
    assert sorted(seen["outbox"]) == timeline

    # Delivered again (a crash before the mark, or a duplicate message): the handler is not
    # called twice for the same event.
    OutboxMessage.objects.filter(adapter="event").update(delivered_at=None)
    outbox_deliver(now=at("2027-03-01 09:02"), limit=100_000)
    assert sorted(seen["outbox"]) == timeline
    assert EventReceipt.objects.count() == len(timeline)


def test_a_failing_outbox_subscriber_is_retried_and_then_called_once(agent):
    calls: list[int] = []

    def flaky(event):
        calls.append(event.pk)
        if len(calls) == 1:
            raise ConnectionError("the other system is down")

    ticket_events.subscribe("test.flaky", flaky, codes={"ticket.registered"}, mode="outbox")
    try:
        ticket = _register(agent, "13900000009", "2026-11-02 09:00")
        event = ticket.events.get()
        assert outbox_deliver(now=at("2026-11-02 09:01")) == (0, 1)
        assert outbox_deliver(now=at("2026-11-02 09:03")) == (1, 0)  # after the backoff
        assert calls == [event.pk, event.pk]
        assert EventReceipt.objects.filter(subscriber="test.flaky", event_id=event.pk).exists()
    finally:
        ticket_events.unsubscribe("test.flaky")


def test_a_rolled_back_action_leaves_no_outbox_delivery(seen, agent):
    with pytest.raises(RuntimeError), transaction.atomic():
        _register(agent, "13900000008", "2026-11-02 09:00")
        raise RuntimeError("the change failed")
    assert not OutboxMessage.objects.filter(adapter="event").exists()


def test_a_duplicate_delivery_message_calls_the_handler_once(seen, agent):
    ticket = _register(agent, "13900000007", "2026-11-02 09:00")
    event = ticket.events.get()
    from hotline.core.events import Delivery

    events_enqueue([Delivery("tickets", "test.later", event.pk, event.action, event.at)])
    assert OutboxMessage.objects.filter(adapter="event").count() == 2
    outbox_deliver(now=at("2026-11-02 09:01"))
    assert seen["outbox"] == [(event.pk, "ticket.registered")]


def test_without_subscribers_publishing_costs_no_query(agent, django_assert_num_queries):
    """The hot path: with nobody subscribed to a code, publishing it adds no query."""
    ticket = _register(agent, "13900000010", "2026-11-02 09:00")
    event = TicketEvent(ticket=ticket, action="ticket.escalated", at=at("2026-11-02 09:01"))
    event.save()
    with django_assert_num_queries(0):
        ticket_events.publish([event])


def test_a_batch_subscriber_gets_its_events_in_lists_each_once(agent):
    """``batch=True``: one call per claimed batch; a repeated delivery is not handed over again."""
    calls: list[list[int]] = []

    def batch(events):
        calls.append([e.pk for e in events])

    ticket_events.subscribe(
        "test.batch", batch, codes={"ticket.registered"}, mode="outbox", batch=True
    )
    try:
        tickets = [_register(agent, f"1390000002{n}", "2026-11-02 09:00") for n in range(5)]
        ids = sorted(t.events.get().pk for t in tickets)
        messages = OutboxMessage.objects.filter(adapter="event", payload__subscriber="test.batch")
        assert messages.count() == 5
        outbox_deliver(now=at("2026-11-02 09:01"), limit=3)  # the limit caps the batch
        outbox_deliver(now=at("2026-11-02 09:01"))
        assert [sorted(c) for c in calls][:1] == [ids[:3]]
        assert sorted(i for c in calls for i in c) == ids
        assert not messages.filter(delivered_at__isnull=True).exists()
        messages.update(delivered_at=None)
        outbox_deliver(now=at("2026-11-02 09:02"))
        assert sorted(i for c in calls for i in c) == ids  # receipts: each event once
    finally:
        ticket_events.unsubscribe("test.batch")


def test_a_failing_batch_is_delivered_one_by_one(agent):
    """One bad event in a batch is retried with backoff; the others are delivered at once."""
    calls: list[list[int]] = []
    bad: set[int] = set()

    def batch(events):
        calls.append([e.pk for e in events])
        if bad & {e.pk for e in events}:
            raise ValueError("this one is broken")

    ticket_events.subscribe(
        "test.batch", batch, codes={"ticket.registered"}, mode="outbox", batch=True
    )
    try:
        tickets = [_register(agent, f"1390000003{n}", "2026-11-02 09:00") for n in range(3)]
        ids = sorted(t.events.get().pk for t in tickets)
        bad.add(ids[1])
        outbox_deliver(now=at("2026-11-02 09:01"))
        done = EventReceipt.objects.filter(subscriber="test.batch")
        assert sorted(done.values_list("event_id", flat=True)) == [ids[0], ids[2]]
        waiting = OutboxMessage.objects.get(payload__subscriber="test.batch", delivered_at=None)
        assert waiting.payload["event"] == ids[1] and waiting.attempts == 1
        bad.clear()
        outbox_deliver(now=at("2026-11-02 09:03"))  # after the backoff
        assert done.count() == 3
    finally:
        ticket_events.unsubscribe("test.batch")


def test_batch_is_for_outbox_subscribers():
    with pytest.raises(ValueError, match="batch"):
        ticket_events.subscribe("test.batch", lambda e: None, batch=True)
