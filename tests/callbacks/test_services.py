"""Callbacks by each profile's mode (CALLBACK-1…4, C1, C2, A14, A15, A19); injected clock."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hotline.callbacks import services as cb
from hotline.callbacks.models import (
    CallbackRecord,
    DueCallback,
    DueState,
    Inspection,
    Reason,
    Sample,
)
from hotline.core.errors import DomainError
from hotline.directory.models import Unit
from hotline.supervision import services as sup
from hotline.tickets import services as svc
from tests.callbacks.helpers import at, replied
from tests.factories import UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


def _due(ticket):
    return DueCallback.objects.get(ticket=ticket, state=DueState.OPEN)


@pytest.mark.req("CALLBACK-1", "C1", "A18")
def test_tianjin_calls_back_every_ticket_within_24_clock_hours(
    use_profile, agent, unit, unit_officer, callback_agent
):
    use_profile("tianjin-88908890")
    ticket = replied(agent, unit_officer, unit.code, reply_at="2026-10-01 18:00")  # a holiday
    due = _due(ticket)
    assert due.reason == Reason.EVERY_TICKET
    assert due.due_at == due.deadline_at == at("2026-10-02 18:00")  # on the clock, A18
    with pytest.raises(DomainError) as refused:
        svc.ticket_close(actor=callback_agent, ticket=ticket, now=at("2026-10-01 19:00"))
    assert refused.value.code == "callback_required"
    # A satisfied result closes the ticket in the same step (the profile allows it).
    svc.ticket_callback(
        actor=callback_agent,
        ticket=ticket,
        result="satisfied",
        solved=True,
        contacted_in_time=False,
        now=at("2026-10-02 09:00"),
    )
    assert ticket.state == "closed"
    event = ticket.events.get(action="ticket.called_back")
    assert event.payload == {"result": "satisfied", "solved": True, "contacted_in_time": False}
    record = CallbackRecord.objects.get(ticket=ticket)
    assert (record.result, record.solved, record.contacted_in_time) == ("satisfied", True, False)
    assert DueCallback.objects.get(ticket=ticket).state == DueState.DONE


@pytest.mark.req("CALLBACK-1", "C1")
def test_the_national_default_calls_back_every_ticket_in_two_working_days(
    use_profile, agent, unit, unit_officer, callback_agent
):
    use_profile("national-12345")
    ticket = replied(agent, unit_officer, unit.code, reply_at="2026-11-02 10:00")  # a Monday
    due = _due(ticket)
    assert due.reason == Reason.EVERY_TICKET and due.deadline_at is not None
    assert due.deadline_at > at("2026-11-03 10:00")
    svc.ticket_callback(
        actor=callback_agent, ticket=ticket, result="basically_satisfied", solved=True,
        contacted_in_time=True, now=at("2026-11-03 09:00"),
    )  # fmt: skip
    assert ticket.state == "called_back"  # the national profile closes in a separate step
    svc.ticket_close(actor=callback_agent, ticket=ticket, now=at("2026-11-03 09:05"))


@pytest.mark.req("CALLBACK-2", "A19")
def test_an_unreached_citizen_is_tried_again_at_spaced_times_up_to_the_limit(
    use_profile, agent, unit, unit_officer, callback_agent
):
    use_profile("tianjin-88908890")
    ticket = replied(agent, unit_officer, unit.code, reply_at="2026-10-08 09:00")
    first = at("2026-10-08 10:00")
    svc.ticket_callback(actor=callback_agent, ticket=ticket, result="unreached", now=first)
    due = _due(ticket)
    assert due.attempts == 1 and due.due_at == first + timedelta(minutes=120)
    second = at("2026-10-08 12:00")
    svc.ticket_callback(actor=callback_agent, ticket=ticket, result="unreached", now=second)
    due.refresh_from_db()
    assert due.attempts == 2 and due.due_at == second + timedelta(minutes=240)
    assert ticket.state == "replied"
    with pytest.raises(DomainError):
        svc.ticket_close(actor=callback_agent, ticket=ticket, now=second)
    svc.ticket_callback(
        actor=callback_agent, ticket=ticket, result="unreached", now=at("2026-10-08 16:00")
    )
    due.refresh_from_db()
    assert due.state == DueState.UNREACHED and due.attempts == 3  # the profile's max_attempts
    assert not DueCallback.objects.filter(state=DueState.OPEN).exists()
    svc.ticket_close(actor=callback_agent, ticket=ticket, now=at("2026-10-08 17:00"))
    assert CallbackRecord.objects.filter(ticket=ticket, result="unreached").count() == 3


@pytest.mark.req("CALLBACK-3", "C2")
def test_tianjin_dissatisfied_opens_a_quality_inspection_that_sends_a_redo(
    use_profile, agent, unit, unit_officer, callback_agent, inspector
):
    use_profile("tianjin-88908890")
    ticket = replied(agent, unit_officer, unit.code, reply_at="2026-10-08 09:00")
    svc.ticket_callback(
        actor=callback_agent, ticket=ticket, result="dissatisfied", solved=False,
        contacted_in_time=True, note="仍有噪音", now=at("2026-10-08 10:00"),
    )  # fmt: skip
    assert ticket.state == "dissatisfied"
    inspection = Inspection.objects.get(ticket=ticket)
    assert inspection.state == "open" and inspection.unit == unit
    decided = cb.inspection_decide(
        actor=inspector,
        inspection=inspection,
        responsibility="unit",
        finding="承办单位未核实夜间施工",
        redo=True,
        now=at("2026-10-08 15:00"),
    )
    assert decided.state == "decided" and decided.unit_fault is True
    ticket.refresh_from_db()
    assert ticket.state == "dispatched"
    assert ticket.assignments.get(active=True).unit == unit
    reply = ticket.deadlines.get(kind="reply", met_at__isnull=True)
    assert reply.start_at == at("2026-10-08 15:00")  # a new reply clock from the redo
    event = ticket.events.get(action="ticket.inspected")
    assert event.payload["unit_fault"] is True and event.payload["unit"] == unit.code
    with pytest.raises(DomainError) as again:
        cb.inspection_decide(
            actor=inspector, inspection=inspection, responsibility="unit", finding="x", redo=False
        )
    assert again.value.code == "inspection_decided"


@pytest.mark.req("CALLBACK-3", "C2")
def test_an_inspection_may_close_with_a_finding_that_clears_the_unit(
    use_profile, agent, unit, unit_officer, callback_agent, inspector
):
    use_profile("tianjin-88908890")
    ticket = replied(agent, unit_officer, unit.code, reply_at="2026-10-08 09:00")
    svc.ticket_callback(
        actor=callback_agent, ticket=ticket, result="dissatisfied", now=at("2026-10-08 10:00")
    )
    inspection = Inspection.objects.get(ticket=ticket)
    with pytest.raises(DomainError) as refused:
        cb.inspection_decide(
            actor=callback_agent, inspection=inspection, responsibility="citizen",
            finding="诉求超出政策", redo=False,
        )  # fmt: skip
    assert refused.value.status == 403
    with pytest.raises(DomainError) as bad:
        cb.inspection_decide(
            actor=inspector, inspection=inspection, responsibility="moon", finding="x", redo=False
        )
    assert bad.value.status == 400
    done = cb.inspection_decide(
        actor=inspector,
        inspection=inspection,
        responsibility="policy_limit",  # the long spelling is accepted, stored short
        finding="诉求受政策限制，已解释",
        redo=False,
        now=at("2026-10-08 16:00"),
    )
    assert (done.unit_fault, done.responsibility) == (False, "policy")
    ticket.refresh_from_db()
    assert ticket.state == "closed"
    assert ticket.events.get(action="ticket.inspected").payload["unit_fault"] is False


@pytest.mark.req("CALLBACK-3", "C2", "A15")
def test_qilihe_dissatisfied_sends_a_redo_order_to_the_same_unit(
    use_profile, agent, unit, unit_officer, callback_agent
):
    use_profile("qilihe-96881")
    ticket = replied(agent, unit_officer, unit.code, reply_at="2026-10-08 09:00")
    svc.ticket_close(actor=callback_agent, ticket=ticket, now=at("2026-10-08 09:30"))
    ticket = replied(agent, unit_officer, unit.code, reply_at="2026-10-09 09:00", phone="139000")
    cb.sample_draw(month=at("2026-10-01 00:00").date(), seed=1)
    assert Sample.objects.get().share == 0.2
    # Two completed tickets, share 0.2: the sample is 0 or 1 ticket; put this one in by hand.
    if not DueCallback.objects.filter(ticket=ticket).exists():
        cb.due_open(ticket, reason=Reason.SAMPLED, result_at=at("2026-10-09 09:00"))
    svc.ticket_callback(
        actor=callback_agent, ticket=ticket, result="dissatisfied", now=at("2026-10-10 10:00")
    )
    assert ticket.state == "dispatched"  # the redo order went out with the result
    assert ticket.events.filter(action="ticket.redo").count() == 1
    assert ticket.assignments.get(active=True).unit == unit
    reply = ticket.deadlines.get(kind="reply", met_at__isnull=True)
    assert reply.start_at == at("2026-10-10 10:00")  # A15: counted from the redo dispatch
    assert CallbackRecord.objects.filter(ticket=ticket).count() == 1  # every callback recorded


@pytest.mark.req("CALLBACK-1", "C1", "A14")
def test_shanghai_samples_a_share_per_unit_and_calls_back_every_supervised_ticket(
    use_profile, agent, unit, other_unit, unit_officer, outsider, callback_agent, supervisor
):
    use_profile("shanghai-962200")
    watched = replied(agent, unit_officer, unit.code, reply_at="2026-10-02 10:00", phone="1390")
    svc.ticket_close(actor=callback_agent, ticket=watched, now=at("2026-10-02 11:00"))
    # Closed, then supervised by hand: still called back, every one (SH 第十三条).
    sup.order_open(actor=supervisor, ticket=watched, form="phone", reason="领导批示")
    assert cb.supervised_due(now=at("2026-10-03 09:00")) == 1
    assert _due(watched).reason == Reason.SUPERVISED
    tickets = [
        replied(agent, officer, code, reply_at=f"2026-10-{day:02d} 10:00", phone=f"1391{day}{n}")
        for day in range(5, 12)
        for n, (officer, code) in enumerate(
            ((unit_officer, unit.code), (outsider, other_unit.code))
        )
    ]
    lines = cb.sample_draw(month=at("2026-10-01 00:00").date(), seed=42, now=at("2026-11-01 01:00"))
    assert [(line.unit, line.completed) for line in lines] == [("SW", 7), ("ZJJ", 7)]
    for line in lines:
        assert abs(line.sampled - 0.2 * line.completed) <= 1
    sampled = set(
        DueCallback.objects.filter(reason=Reason.SAMPLED).values_list("ticket", flat=True)
    )
    assert len(sampled) == sum(line.sampled for line in lines)
    assert watched.pk not in sampled  # supervised tickets are not part of the sample (A14)
    for ticket in tickets:
        if ticket.pk in sampled:
            with pytest.raises(DomainError) as refused:
                svc.ticket_close(actor=callback_agent, ticket=ticket, now=at("2026-11-01 02:00"))
            assert refused.value.code == "callback_required"
        else:
            svc.ticket_close(actor=callback_agent, ticket=ticket, now=at("2026-11-01 02:00"))
    # The supervised, closed ticket is called back: dissatisfied brings it back.
    svc.ticket_callback(
        actor=callback_agent, ticket=watched, result="dissatisfied", now=at("2026-11-01 03:00")
    )
    watched.refresh_from_db()
    assert watched.state == "dissatisfied"


@pytest.mark.req("CALLBACK-1", "A14")
def test_sampling_is_reproducible_and_within_one_ticket_per_unit(
    use_profile, agent, unit, other_unit, unit_officer, outsider
):
    use_profile("qilihe-96881")
    third = UnitFactory(code="JD", name="测试街道办", kind=Unit.Kind.SUBDISTRICT_OFFICE)
    clerk = UserFactory(unit=third, roles=["unit_handler"])
    people = ((unit_officer, unit.code, 11), (outsider, other_unit.code, 4), (clerk, "JD", 1))
    for officer, code, count in people:
        for n in range(count):
            replied(
                agent, officer, code, reply_at=f"2026-10-{n + 2:02d} 10:00", phone=f"13{code}{n}"
            )
    month = at("2026-10-01 00:00").date()

    def draw(seed):
        lines = cb.sample_draw(month=month, seed=seed)
        chosen = sorted(DueCallback.objects.values_list("ticket", flat=True))
        return lines, chosen

    first_lines, first = draw(7)
    assert {line.unit: line.completed for line in first_lines} == {"ZJJ": 11, "SW": 4, "JD": 1}
    for line in first_lines:
        assert abs(line.sampled - 0.2 * line.completed) <= 1
    assert Sample.objects.get().seed == 7  # the seed is stored
    again_lines, again = draw(7)  # the same draw again changes nothing
    assert (again_lines, again) == (first_lines, first)
    with pytest.raises(DomainError) as refused:
        cb.sample_draw(month=month, seed=8)
    assert refused.value.code == "sample_seed_fixed"
    # Drawn from scratch with the stored seed: the very same tickets.
    Sample.objects.all().delete()
    DueCallback.objects.all().delete()
    redrawn_lines, redrawn = draw(7)
    assert (redrawn_lines, redrawn) == (first_lines, first)
    # Another seed draws another sample, the same sizes within ±1.
    Sample.objects.all().delete()
    DueCallback.objects.all().delete()
    other_lines, _ = draw(12345)
    for line in other_lines:
        assert abs(line.sampled - 0.2 * line.completed) <= 1


@pytest.mark.req("A14")
def test_the_sample_grows_with_the_month_and_stays_within_one(
    use_profile, agent, unit, unit_officer
):
    use_profile("qilihe-96881")
    month = at("2026-10-01 00:00").date()
    for n in range(23):
        replied(
            agent, unit_officer, unit.code, reply_at=f"2026-10-{n + 1:02d} 10:00", phone=f"7{n}"
        )
        (line,) = cb.sample_draw(month=month, seed=3)
        assert line.completed == n + 1
        assert abs(line.sampled - 0.2 * line.completed) <= 1


@pytest.mark.req("CALLBACK-4", "C1")
def test_zhejiang_market_services_get_a_feedback_sheet_callback(
    use_profile, agent, unit, unit_officer, callback_agent
):
    use_profile("zhejiang-96345")
    firm = UnitFactory(code="JZ", name="好帮手家政公司", kind=Unit.Kind.OTHER)
    cleaner = UserFactory(unit=firm, roles=["unit_handler"])
    service = replied(agent, cleaner, firm.code, category="help", reply_at="2026-10-08 10:00")
    assert _due(service).reason == Reason.FEEDBACK_SHEET
    public = replied(agent, unit_officer, unit.code, category="help", phone="1300")
    assert not DueCallback.objects.filter(ticket=public).exists()
    svc.ticket_close(actor=callback_agent, ticket=public, now=at("2026-10-08 11:00"))
    with pytest.raises(DomainError):
        svc.ticket_close(actor=callback_agent, ticket=service, now=at("2026-10-08 11:00"))
    with pytest.raises(DomainError) as refused:
        cb.sample_draw(month=at("2026-10-01 00:00").date())
    assert refused.value.code == "no_sampling"


@pytest.mark.req("CALLBACK-3", "C2")
def test_a_redo_that_cannot_go_out_leaves_the_ticket_dissatisfied(
    use_profile, agent, unit, unit_officer, callback_agent
):
    use_profile("qilihe-96881")
    ticket = replied(agent, unit_officer, unit.code, reply_at="2026-10-09 09:00")
    cb.due_open(ticket, reason=Reason.SAMPLED, result_at=at("2026-10-09 09:00"))
    Unit.objects.filter(pk=unit.pk).update(active=False)
    svc.ticket_callback(
        actor=callback_agent, ticket=ticket, result="dissatisfied", now=at("2026-10-10 10:00")
    )
    ticket.refresh_from_db()
    assert ticket.state == "dissatisfied"  # the callback stands; the centre dispatches later
    assert CallbackRecord.objects.filter(ticket=ticket, result="dissatisfied").exists()
