"""Supervision services: the repeat-call trigger, the Qilihe reminder chain, orders."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hotline.core.errors import Conflict, PermissionDenied
from hotline.supervision import services as sup
from hotline.supervision.models import Ground, Notice, Reminder, SupervisionOrder
from hotline.supervision.sweep import supervision_sweep
from hotline.tickets import services as svc
from tests.supervision.helpers import at, dispatch, register

pytestmark = pytest.mark.django_db


@pytest.fixture
def overdue_qlh(use_profile, agent, unit):
    """A Qilihe ticket in the unit's hands; its reply deadline."""
    use_profile("qilihe-96881")
    ticket = register(agent)
    dispatch(agent, ticket, unit.code)
    return ticket, ticket.deadlines.get(kind="reply")


@pytest.mark.req("SUPERVISE-1", "W3", "A16")
def test_an_overdue_qilihe_ticket_runs_the_whole_reminder_chain(overdue_qlh, unit):
    """SUPERVISE-1, W3, A16: notice no. 1 when overdue, no. 2 when its limit passes, then the
    督查小组 and a written 通报批评 when the second passes too; nothing after that."""
    ticket, reply = overdue_qlh
    assert sup.reminders_issue(now=reply.due_at - timedelta(minutes=1)).issued == 0

    first = sup.reminders_issue(now=reply.due_at + timedelta(hours=1))
    assert (first.issued, first.escalated) == (1, 0)
    r1 = Reminder.objects.get(ticket=ticket)
    assert r1.sequence == 1 and r1.unit == unit
    # The notice's own limit: 2 working days (QLH clocks.reminder, A16).
    assert r1.due_at is not None and r1.due_at > r1.issued_at + timedelta(days=1)
    assert sup.reminders_issue(now=reply.due_at + timedelta(hours=2)).issued == 0  # once

    second = sup.reminders_issue(now=r1.due_at + timedelta(minutes=1))
    assert (second.issued, second.escalated) == (1, 0)
    r2 = Reminder.objects.get(ticket=ticket, sequence=2)
    assert not Notice.objects.exists()

    third = sup.reminders_issue(now=r2.due_at + timedelta(minutes=1))
    assert (third.issued, third.escalated) == (0, 1)
    r2.refresh_from_db()
    assert r2.escalated
    notice = Notice.objects.get()
    assert notice.ground == Ground.QLH53 and list(notice.units.all()) == [unit]
    assert "督查小组" in notice.text and "通报批评" in notice.text

    later = sup.reminders_issue(now=r2.due_at + timedelta(days=10))
    assert (later.issued, later.escalated) == (0, 0)
    assert Reminder.objects.filter(ticket=ticket).count() == 2


@pytest.mark.req("W3", "A16")
def test_the_units_reason_stops_the_chain(overdue_qlh, unit_officer):
    """W3, A16: a reason reported on a notice stops further notices and the escalation."""
    ticket, reply = overdue_qlh
    sup.reminders_issue(now=reply.due_at + timedelta(hours=1))
    r1 = Reminder.objects.get(ticket=ticket)
    sup.reminder_acknowledge(actor=unit_officer, reminder=r1, now=r1.issued_at)
    sup.reminder_reason(
        actor=unit_officer, reminder=r1, reason="需协调住建部门现场勘查", now=r1.issued_at
    )
    later = sup.reminders_issue(now=r1.due_at + timedelta(days=5))
    assert (later.issued, later.escalated) == (0, 0)
    assert not Notice.objects.exists()


@pytest.mark.req("A16")
def test_only_the_supervised_unit_answers_a_reminder(overdue_qlh, outsider, supervisor):
    ticket, reply = overdue_qlh
    sup.reminders_issue(now=reply.due_at + timedelta(hours=1))
    r1 = Reminder.objects.get(ticket=ticket)
    for user in (outsider, supervisor):
        with pytest.raises(PermissionDenied):
            sup.reminder_reason(actor=user, reminder=r1, reason="理由")


@pytest.mark.req("SUPERVISE-1")
def test_a_reply_in_time_gets_no_reminder(overdue_qlh, unit_officer):
    ticket, reply = overdue_qlh
    svc.ticket_sign(actor=unit_officer, ticket=ticket, now=at("2026-11-02 11:00"))
    svc.ticket_reply(
        actor=unit_officer,
        ticket=ticket,
        content="已处理",
        citizen_satisfaction="satisfied",  # QLH 五(四): the unit asks when it replies
        now=at("2026-11-03 09:00"),
    )
    assert sup.reminders_issue(now=reply.due_at + timedelta(days=3)).issued == 0


def _dissatisfied_matter(agent, unit, unit_officer):
    ticket = register(agent)
    dispatch(agent, ticket, unit.code)
    svc.ticket_sign(actor=unit_officer, ticket=ticket, now=at("2026-11-02 11:00"))
    svc.ticket_reply(
        actor=unit_officer, ticket=ticket, content="已答复", now=at("2026-11-03 10:00")
    )
    svc.ticket_callback(
        actor=agent, ticket=ticket, result="dissatisfied", now=at("2026-11-03 15:00")
    )
    return ticket


@pytest.mark.req("SUPERVISE-2", "V1")
def test_the_repeat_call_trigger_opens_exactly_one_order(
    use_profile, agent, unit, unit_officer, django_capture_on_commit_callbacks
):
    """V1: dissatisfied and 3 repeat calls or more ("以上" includes 3): one order on the matter,
    however many calls arrive."""
    use_profile("shanghai-962200")
    with django_capture_on_commit_callbacks(execute=True):
        matter = _dissatisfied_matter(agent, unit, unit_officer)
        for day in (4, 5):
            register(agent, when=f"2026-11-0{day} 09:00", related=[matter.number])
    assert not SupervisionOrder.objects.exists()  # two repeat calls are not enough

    with django_capture_on_commit_callbacks(execute=True):
        for day in (6, 9, 10, 11):
            register(agent, when=f"2026-11-{day:02d} 09:00", related=[matter.number])
    order = SupervisionOrder.objects.get()
    assert order.ticket == matter and order.trigger == "repeat_call"
    assert order.form == "second_handling" and order.owner == "管理办公室"  # W2
    assert order.unit == unit and order.explanation_due_at is not None
    assert sup.repeat_call_check(matter) is None  # still one


@pytest.mark.req("SUPERVISE-2", "V1")
@pytest.mark.parametrize("profile", ["shanghai-962200", "national-12345"])
def test_the_order_opens_when_a_callback_after_the_repeat_calls_finds_dissatisfaction(
    profile, use_profile, agent, unit, unit_officer, django_capture_on_commit_callbacks
):
    """V1 in the other order, under both profiles with the trigger: three repeat calls while
    the matter is being handled, then the callback. An unreached callback opens nothing; a
    dissatisfied one opens the order."""
    use_profile(profile)
    matter = register(agent)
    dispatch(agent, matter, unit.code)
    with django_capture_on_commit_callbacks(execute=True):
        for day in (3, 4, 5):
            again = register(agent, when=f"2026-11-0{day} 09:00", related=[matter.number])
            assert again.events.get(action="ticket.registered").payload == {"related": 1}
    svc.ticket_sign(actor=unit_officer, ticket=matter, now=at("2026-11-05 11:00"))
    svc.ticket_reply(
        actor=unit_officer, ticket=matter, content="已答复", now=at("2026-11-06 10:00")
    )
    svc.ticket_callback(actor=agent, ticket=matter, result="unreached", now=at("2026-11-06 15:00"))
    assert not SupervisionOrder.objects.exists()
    svc.ticket_callback(
        actor=agent, ticket=matter, result="dissatisfied", now=at("2026-11-06 16:00")
    )
    order = SupervisionOrder.objects.get()
    assert order.ticket == matter and order.trigger == "repeat_call"


@pytest.mark.req("V1")
def test_repeat_calls_without_dissatisfaction_open_no_order(
    use_profile, agent, unit, django_capture_on_commit_callbacks
):
    use_profile("shanghai-962200")
    matter = register(agent)
    with django_capture_on_commit_callbacks(execute=True):
        for day in (4, 5, 6):
            register(agent, when=f"2026-11-0{day} 09:00", related=[matter.number])
    assert not SupervisionOrder.objects.exists()


@pytest.mark.req("SUPERVISE-2", "V3")
def test_tianjin_tracks_every_overdue_item_once(use_profile, agent, unit):
    """V3: TJ 第二十三条 supervises every overdue item; the sweep opens one order for it."""
    use_profile("tianjin-88908890")
    ticket = register(agent)
    dispatch(agent, ticket, unit.code)
    reply = ticket.deadlines.get(kind="reply")
    assert supervision_sweep(now=reply.due_at - timedelta(minutes=1)).orders_opened == 0
    assert supervision_sweep(now=reply.due_at + timedelta(minutes=1)).orders_opened == 1
    assert supervision_sweep(now=reply.due_at + timedelta(hours=3)).orders_opened == 0
    order = SupervisionOrder.objects.get()
    assert order.trigger == "overdue" and order.owner == "专线服务中心"


@pytest.mark.req("SUPERVISE-2", "SUPERVISE-3")
def test_an_order_by_hand_is_explained_by_the_unit_and_closed_by_its_owner(
    use_profile, agent, unit, supervisor, unit_officer, outsider
):
    use_profile("shanghai-962200")
    ticket = register(agent)
    with pytest.raises(Conflict, match="尚未派给承办单位"):
        sup.order_open(actor=supervisor, ticket=ticket, form="phone", reason="领导批示")
    dispatch(agent, ticket, unit.code)
    with pytest.raises(PermissionDenied):
        sup.order_open(actor=unit_officer, ticket=ticket, form="phone", reason="领导批示")
    order = sup.order_open(
        actor=supervisor,
        ticket=ticket,
        form="on_site",
        reason="市领导批示事项",
        now=at("2026-11-04 09:00"),
    )
    # SUPERVISE-3: the written explanation within the profile's working days (SH: 5).
    assert order.explanation_due_at == at("2026-11-12 00:00")
    with pytest.raises(Conflict):
        sup.order_open(actor=supervisor, ticket=ticket, form="phone", reason="再次")
    with pytest.raises(PermissionDenied):
        sup.order_explain(actor=outsider, order=order, content="说明")
    sup.order_explain(actor=unit_officer, order=order, content="已现场处理完毕")
    with pytest.raises(Conflict):
        sup.order_explain(actor=unit_officer, order=order, content="再说明")
    closed = sup.order_close(actor=supervisor, order=order, finding="整改到位")
    assert closed.state == "closed"
    assert [e.action for e in closed.events.all()] == [
        "supervision.order.opened",
        "supervision.order.explained",
        "supervision.order.closed",
    ]
    # Closed: a new order may be opened on the same matter.
    sup.order_open(actor=supervisor, ticket=ticket, form="phone", reason="再次督办")


@pytest.mark.req("SUPERVISE-1", "A16")
def test_under_the_national_profile_ignored_reminders_open_a_supervision_order(
    use_profile, agent, unit
):
    """A16: the national profile escalates to 督办: after its second ignored notice the matter
    is supervised (unless an order is already open, e.g. by the overdue trigger)."""
    use_profile("national-12345")
    ticket = register(agent)
    dispatch(agent, ticket, unit.code)
    reply = ticket.deadlines.get(kind="reply")
    sup.reminders_issue(now=reply.due_at + timedelta(hours=1))
    r1 = Reminder.objects.get(ticket=ticket)
    sup.reminders_issue(now=r1.due_at + timedelta(minutes=1))
    r2 = Reminder.objects.get(ticket=ticket, sequence=2)
    assert not SupervisionOrder.objects.exists()  # the reminders alone open nothing
    assert sup.reminders_issue(now=r2.due_at + timedelta(minutes=1)).escalated == 1
    order = SupervisionOrder.objects.get()
    assert order.trigger == "reminder_ignored" and order.form == "written"
    assert not Notice.objects.exists()


@pytest.mark.req("SUPERVISE-1")
def test_the_sweep_runs_from_the_command_and_the_worker(overdue_qlh, capsys):
    from huey.contrib.djhuey import HUEY

    from hotline.cli import main

    main(["supervision-sweep"])
    assert "reminders issued" in capsys.readouterr().out
    assert any("sweep_supervision" in name for name in HUEY._registry._registry)


def test_listing_orders_costs_a_fixed_number_of_queries(
    use_profile, agent, unit, supervisor, django_assert_num_queries
):
    use_profile("tianjin-88908890")
    for n in range(3):
        t = register(agent, phone=f"1390000100{n}")
        dispatch(agent, t, unit.code)
        sup.order_open(actor=supervisor, ticket=t, form="phone", reason="重点事项")
    from hotline.supervision.selectors import order_list, order_row

    assert supervisor.is_centre_staff  # the role cache is warm, as in a request
    with django_assert_num_queries(1):
        rows = [order_row(o) for o in order_list(supervisor)]
    assert len(rows) == 3
