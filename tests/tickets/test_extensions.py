"""Extensions: the unit asks in time, the centre decides, the deadline moves (HANDLE-5)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from hotline.core.errors import DomainError, InvalidInput
from hotline.notifications.models import OutboxMessage
from hotline.policy.profiles import load_profile
from hotline.tickets import services as svc
from hotline.tickets.models import DeadlineChange, ExtensionRequest, Ticket
from hotline.tickets.transitions import State
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


def _in_hand(agent, unit, unit_officer, *, profile: str = "national-12345") -> Ticket:
    ticket = svc.ticket_register(
        actor=agent,
        channel="phone",
        category="help",
        content="小区路灯损坏多日无人修理",
        citizen_phone="13900005555",
        now=at("2026-11-02 09:00"),
    )
    Ticket.objects.filter(pk=ticket.pk).update(profile=profile)
    ticket.refresh_from_db()
    if load_profile(profile).review.required:
        reviewer = UserFactory(unit=agent.unit, roles=["reviewer"])
        svc.ticket_review(actor=reviewer, ticket=ticket, now=at("2026-11-02 09:30"))
    svc.ticket_dispatch(actor=agent, ticket=ticket, unit_code=unit.code, now=at("2026-11-02 10:00"))
    svc.ticket_sign(actor=unit_officer, ticket=ticket, now=at("2026-11-02 11:00"))
    return ticket


def _reply(ticket: Ticket):
    return ticket.deadlines.get(kind="reply", met_at__isnull=True)


@pytest.mark.req("HANDLE-5")
def test_an_approved_extension_moves_the_reply_deadline_and_keeps_its_history(
    agent, unit, unit_officer, supervisor
):
    ticket = _in_hand(agent, unit, unit_officer)
    old_due = _reply(ticket).due_at
    until = old_due + timedelta(days=3)
    request = svc.ticket_extension_request(
        actor=unit_officer,
        ticket=ticket,
        until=until,
        reason="情况复杂",
        basis="需协调供电公司",
        now=at("2026-11-03 09:00"),
    )
    assert request.status == "pending"
    assert OutboxMessage.objects.filter(topic="ticket.extension.requested", unit=None).exists()

    svc.ticket_extension_decide(
        actor=supervisor,
        ticket=ticket,
        extension_id=request.pk,
        decision="approved",
        now=at("2026-11-03 10:00"),
    )
    reply = _reply(ticket)
    assert reply.due_at == until
    change = DeadlineChange.objects.get(deadline=reply)
    assert (change.old_due_at, change.new_due_at, change.reason) == (old_due, until, "extension")
    event = ticket.events.get(action="ticket.extension.approved")
    assert event.payload["citizen_told_by"] == "unit"  # the national profile: the unit tells
    told = OutboxMessage.objects.get(topic="ticket.extension.approved", adapter="inbox")
    assert told.unit == unit and "告知诉求人" in told.body
    assert ticket.state == State.SIGNED
    assert svc.ticket_state_from_events(ticket) == State.SIGNED


@pytest.mark.req("HANDLE-5")
def test_the_approver_may_set_another_deadline(agent, unit, unit_officer, supervisor):
    ticket = _in_hand(agent, unit, unit_officer)
    old_due = _reply(ticket).due_at
    request = svc.ticket_extension_request(
        actor=unit_officer,
        ticket=ticket,
        until=old_due + timedelta(days=5),
        reason="情况复杂",
        basis="需现场勘查",
        now=at("2026-11-03 09:00"),
    )
    svc.ticket_extension_decide(
        actor=supervisor,
        ticket=ticket,
        extension_id=request.pk,
        decision="approved",
        until=old_due + timedelta(days=2),
        now=at("2026-11-03 10:00"),
    )
    assert _reply(ticket).due_at == old_due + timedelta(days=2)


@pytest.mark.req("HANDLE-5")
def test_a_refusal_needs_a_reason_and_leaves_the_deadline(agent, unit, unit_officer, supervisor):
    ticket = _in_hand(agent, unit, unit_officer)
    old_due = _reply(ticket).due_at
    request = svc.ticket_extension_request(
        actor=unit_officer,
        ticket=ticket,
        until=old_due + timedelta(days=1),
        reason="工作量大",
        basis="人手不足",
        now=at("2026-11-03 09:00"),
    )
    with pytest.raises(InvalidInput):
        svc.ticket_extension_decide(
            actor=supervisor, ticket=ticket, extension_id=request.pk, decision="refused"
        )
    svc.ticket_extension_decide(
        actor=supervisor,
        ticket=ticket,
        extension_id=request.pk,
        decision="refused",
        note="理由不充分",
        now=at("2026-11-03 10:00"),
    )
    assert _reply(ticket).due_at == old_due
    assert ExtensionRequest.objects.get(pk=request.pk).status == "refused"
    with pytest.raises(DomainError) as exc:
        svc.ticket_extension_decide(
            actor=supervisor, ticket=ticket, extension_id=request.pk, decision="approved"
        )
    assert exc.value.code == "extension_decided"


@pytest.mark.req("HANDLE-5")
def test_requests_after_the_deadline_beyond_one_period_or_twice_are_refused(
    agent, unit, unit_officer
):
    ticket = _in_hand(agent, unit, unit_officer)
    due = _reply(ticket).due_at
    with pytest.raises(InvalidInput):  # cap = one more period (national profile)
        svc.ticket_extension_request(
            actor=unit_officer,
            ticket=ticket,
            until=due + timedelta(days=60),
            reason="情况复杂",
            basis="x",
            now=at("2026-11-03 09:00"),
        )
    with pytest.raises(InvalidInput):  # not later than the current deadline
        svc.ticket_extension_request(
            actor=unit_officer,
            ticket=ticket,
            until=due,
            reason="情况复杂",
            basis="x",
            now=at("2026-11-03 09:00"),
        )
    svc.ticket_extension_request(
        actor=unit_officer,
        ticket=ticket,
        until=due + timedelta(days=1),
        reason="情况复杂",
        basis="x",
        now=at("2026-11-03 09:00"),
    )
    with pytest.raises(DomainError) as exc:
        svc.ticket_extension_request(
            actor=unit_officer,
            ticket=ticket,
            until=due + timedelta(days=2),
            reason="情况复杂",
            basis="x",
            now=at("2026-11-03 09:30"),
        )
    assert exc.value.code == "extension_pending"
    with pytest.raises(DomainError) as late:
        svc.ticket_extension_request(
            actor=unit_officer,
            ticket=ticket,
            until=due + timedelta(days=2),
            reason="情况复杂",
            basis="x",
            now=due + timedelta(minutes=1),
        )
    assert late.value.code == "extensions_not_allowed"
    assert ticket.events.filter(action="ticket.extension.requested").count() == 1


@pytest.mark.req("HANDLE-5")
def test_tianjin_requests_close_one_working_day_before_the_due_day(agent, unit, unit_officer):
    """A6: TJ "到期前1个工作日" — by 24:00 of the working day before the due day."""
    ticket = _in_hand(agent, unit, unit_officer, profile="tianjin-88908890")
    reply = _reply(ticket)
    cutoff = svc.extension_cutoff(ticket, reply)
    assert cutoff is not None and cutoff < reply.due_at
    assert (reply.due_at - cutoff) >= timedelta(days=1)
    with pytest.raises(DomainError) as late:
        svc.ticket_extension_request(
            actor=unit_officer,
            ticket=ticket,
            until=reply.due_at + timedelta(days=1),
            reason="情况复杂",
            now=cutoff + timedelta(minutes=1),
        )
    assert late.value.code == "extensions_not_allowed"
    svc.ticket_extension_request(
        actor=unit_officer,
        ticket=ticket,
        until=reply.due_at + timedelta(days=1),
        reason="情况复杂",  # TJ needs no basis (requires_basis = false)
        now=cutoff - timedelta(minutes=1),
    )


@pytest.mark.req("HANDLE-5")
def test_shanghai_has_no_extensions_and_only_the_centre_decides(
    agent, unit, unit_officer, supervisor
):
    ticket = _in_hand(agent, unit, unit_officer, profile="shanghai-962200")
    with pytest.raises(DomainError) as refused:
        svc.ticket_extension_request(
            actor=unit_officer,
            ticket=ticket,
            until=at("2026-12-30 00:00"),
            reason="情况复杂",
            basis="x",
            now=at("2026-11-03 09:00"),
        )
    assert refused.value.code == "extensions_not_allowed"

    national = _in_hand(agent, unit, unit_officer)
    request = svc.ticket_extension_request(
        actor=unit_officer,
        ticket=national,
        until=_reply(national).due_at + timedelta(days=1),
        reason="情况复杂",
        basis="x",
        now=at("2026-11-03 09:00"),
    )
    with pytest.raises(DomainError) as wrong:
        svc.ticket_extension_decide(
            actor=unit_officer,
            ticket=national,
            extension_id=request.pk,
            decision="approved",
            now=at("2026-11-03 10:00"),
        )
    assert wrong.value.status == 403
