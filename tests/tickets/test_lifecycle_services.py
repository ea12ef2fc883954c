"""The rest of the lifecycle through the services: returns, callbacks, redo, close, refusals."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from hotline.core.errors import DomainError, InvalidInput
from hotline.tickets import services as svc
from hotline.tickets.models import Ticket, TicketEvent
from hotline.tickets.transitions import State
from tests.factories import UnitFactory

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


def rebuilt_state(ticket: Ticket) -> State | None:
    return svc.ticket_state_from_events(ticket)


@pytest.fixture
def ticket(agent):
    return svc.ticket_register(
        actor=agent,
        channel="phone",
        category="complaint",
        content="夜间施工噪音扰民",
        citizen_phone="13900004444",
        now=at("2026-11-02 09:00"),
    )


@pytest.mark.req("HANDLE-3")
def test_a_returned_ticket_is_redispatched_with_new_clocks(
    agent, unit, other_unit, unit_officer, ticket
):
    """HANDLE-3: the unit returns with reason and basis; the centre dispatches again."""
    svc.ticket_dispatch(actor=agent, ticket=ticket, unit_code=unit.code, now=at("2026-11-02 10:00"))
    with pytest.raises(InvalidInput):
        svc.ticket_return(actor=unit_officer, ticket=ticket, reason="不属本单位职责", basis="")
    svc.ticket_return(
        actor=unit_officer,
        ticket=ticket,
        reason="不属本单位职责",
        basis="三定方案",
        now=at("2026-11-02 11:00"),
    )
    assert ticket.state == "returned"
    assert not ticket.deadlines.filter(met_at__isnull=True).exclude(kind="dispatch").exists()
    svc.ticket_redispatch(
        actor=agent, ticket=ticket, unit_code=other_unit.code, now=at("2026-11-02 12:00")
    )
    lead = ticket.assignments.get(active=True)
    assert lead.unit == other_unit
    assert ticket.deadlines.filter(met_at__isnull=True, kind="reply").count() == 1
    assert rebuilt_state(ticket) == State.DISPATCHED


@pytest.mark.req("CALLBACK-3")
def test_dissatisfied_callback_sends_the_ticket_back_to_the_same_unit(
    agent, unit, unit_officer, callback_agent, inspector, ticket
):
    """CALLBACK-3: dissatisfied → redo to the same unit, with a new reply clock."""
    svc.ticket_dispatch(actor=agent, ticket=ticket, unit_code=unit.code, now=at("2026-11-02 10:00"))
    svc.ticket_sign(actor=unit_officer, ticket=ticket, now=at("2026-11-02 11:00"))
    svc.ticket_reply(
        actor=unit_officer, ticket=ticket, content="已协调停工", now=at("2026-11-03 11:00")
    )
    svc.ticket_callback(
        actor=callback_agent, ticket=ticket, result="dissatisfied", now=at("2026-11-04 10:00")
    )
    assert ticket.state == "dissatisfied"
    svc.ticket_redo(actor=inspector, ticket=ticket, note="重办", now=at("2026-11-04 11:00"))
    assert ticket.state == "dispatched"
    assert ticket.assignments.get(active=True).unit == unit
    new_reply = ticket.deadlines.get(kind="reply", met_at__isnull=True)
    assert new_reply.start_at == at("2026-11-04 11:00")
    svc.ticket_sign(actor=unit_officer, ticket=ticket, now=at("2026-11-04 12:00"))
    svc.ticket_reply(
        actor=unit_officer, ticket=ticket, content="已停工", now=at("2026-11-05 12:00")
    )
    svc.ticket_callback(
        actor=callback_agent, ticket=ticket, result="satisfied", now=at("2026-11-06 10:00")
    )
    svc.ticket_close(actor=callback_agent, ticket=ticket, now=at("2026-11-06 10:05"))
    assert ticket.state == "closed"
    assert not ticket.deadlines.filter(met_at__isnull=True).exists()
    assert rebuilt_state(ticket) == State.CLOSED
    assert Ticket.objects.get(pk=ticket.pk).state == "closed"


@pytest.mark.req("CALLBACK-1")
def test_a_replied_ticket_cannot_be_closed_without_its_callback(
    agent, unit, unit_officer, callback_agent, ticket
):
    """CALLBACK-1: the national profile calls every ticket back before closing it."""
    svc.ticket_dispatch(actor=agent, ticket=ticket, unit_code=unit.code)
    svc.ticket_sign(actor=unit_officer, ticket=ticket)
    svc.ticket_reply(actor=unit_officer, ticket=ticket, content="已处理")
    with pytest.raises(DomainError) as refused:
        svc.ticket_close(actor=callback_agent, ticket=ticket)
    assert refused.value.code == "callback_required"
    assert Ticket.objects.get(pk=ticket.pk).state == "replied"


@pytest.mark.req("SCOPE-2")
def test_not_accepted_records_the_reason_and_its_referral(agent, ticket):
    """SCOPE-2: an emergency is refused with the referral to read out; still registered."""
    with pytest.raises(InvalidInput):
        svc.ticket_reject(actor=agent, ticket=ticket, reason="no-such-reason")
    svc.ticket_reject(actor=agent, ticket=ticket, reason="emergency")
    event = ticket.events.get(action="ticket.rejected")
    assert event.payload["referral"] == ["110", "119", "120", "122"]
    assert Ticket.objects.filter(pk=ticket.pk, state="not_accepted").exists()


@pytest.mark.req("ANSWER-1")
def test_a_direct_answer_cites_its_articles_and_can_be_closed(agent, centre_admin, ticket):
    """ANSWER-1: answered on the spot, the article and the version used are recorded."""
    from hotline.knowledge.models import Article
    from hotline.knowledge.services import articles_import

    articles_import(
        actor=centre_admin,
        rows=[
            {
                "external_id": "QA-1",
                "kind": "qa",
                "title": "夜间施工噪音怎么投诉",
                "body": "可拨打12345",
            }
        ],
    )
    article = Article.objects.get(external_id="QA-1")
    with pytest.raises(InvalidInput):
        svc.ticket_answer(actor=agent, ticket=ticket, content="按政策答复", articles=[999_999])
    svc.ticket_answer(actor=agent, ticket=ticket, content="按政策答复", articles=[article.pk])
    assert ticket.events.get(action="ticket.answered").payload == {
        "articles": [{"id": article.pk, "version": 1, "title": "夜间施工噪音怎么投诉"}]
    }
    svc.ticket_close(actor=agent, ticket=ticket)
    assert not ticket.deadlines.filter(met_at__isnull=True).exists()


@pytest.mark.req("DISPATCH-6")
def test_a_ticket_can_be_transferred_to_another_platform(agent, ticket):
    """DISPATCH-6: handed to another platform; nothing stays open here."""
    svc.ticket_transfer(actor=agent, ticket=ticket, platform="市12345热线")
    assert ticket.state == "transferred"
    assert not ticket.deadlines.filter(met_at__isnull=True).exists()


def test_a_refused_action_changes_nothing(agent, unit_officer, ticket):
    events = TicketEvent.objects.count()
    with pytest.raises(DomainError):
        svc.ticket_reply(actor=unit_officer, ticket=ticket, content="越权答复")
    assert TicketEvent.objects.count() == events
    assert Ticket.objects.get(pk=ticket.pk).state == "registered"


def test_a_unit_admin_acts_for_a_sub_unit(agent, unit, unit_admin, ticket):
    sub = UnitFactory(code="ZJJ-KS", name="住建局科室", parent=unit)
    svc.ticket_dispatch(actor=agent, ticket=ticket, unit_code=sub.code)
    svc.ticket_sign(actor=unit_admin, ticket=ticket)
    assert ticket.state == "signed"
