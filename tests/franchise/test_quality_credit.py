"""Enrolment, agreements, quality and credit (FRANCHISE-1, -2, -5, -6, -7, CALLBACK-4)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from hotline.core.errors import DomainError, InvalidInput, PermissionDenied
from hotline.franchise import services as svc
from hotline.franchise.models import Application, CreditDecision, Franchisee, Volunteer
from hotline.franchise.rules import CreditInputs, credit_score, stars_for
from hotline.notifications.models import OutboxMessage
from hotline.tickets import services as tsvc
from tests.factories import UnitFactory
from tests.franchise.conftest import NOW

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4 licence"


def _apply(**kw):
    data = {
        "name": "澜溪快洁家政有限公司",
        "kind": "company",
        "licence_number": "91330100MA2XXXX",
        "licence_file": SimpleUploadedFile("执照.pdf", PDF),
        "services": ["cleaning", "moving"],
        "hours": "每天 8:00-20:00",
        "contact_name": "张经理",
        "contact_phone": "13700001234",
        "area_codes": ["S1"],
        "now": NOW,
    }
    data.update(kw)
    return svc.application_submit(**data)


@pytest.mark.req("FRANCHISE-1", "FRANCHISE-2")
def test_enrolment_review_and_agreement(areas, centre_admin, agent):
    """FRANCHISE-1: apply online with licence; on-site check; approval makes a unit; signed
    agreement with a validity period."""
    with pytest.raises(InvalidInput):
        _apply(licence_file=SimpleUploadedFile("执照.pdf", b"MZ not a pdf"))
    with pytest.raises(InvalidInput):
        _apply(services=["flying"])
    with pytest.raises(InvalidInput):
        _apply(licence_file=SimpleUploadedFile("a.exe", b"MZ"))
    application = _apply()
    assert application.state == Application.State.SUBMITTED
    with pytest.raises(PermissionDenied):
        svc.application_site_check(actor=agent, application=application, note="ok")
    svc.application_site_check(actor=centre_admin, application=application, note="场地与执照一致")
    with pytest.raises(InvalidInput):
        svc.application_decide(actor=centre_admin, application=application, approve=False)
    svc.application_decide(
        actor=centre_admin, application=application, approve=True, code="KJ", base_area_code="C11"
    )
    franchisee = Franchisee.objects.get(unit__code="KJ")
    assert franchisee.unit.can_receive_tickets
    assert list(franchisee.areas.values_list("code", flat=True)) == ["S1"]
    with pytest.raises(DomainError):
        svc.application_decide(actor=centre_admin, application=application, approve=False, note="x")
    with pytest.raises(InvalidInput):
        svc.agreement_sign(
            actor=centre_admin,
            franchisee=franchisee,
            rights="r",
            duties="d",
            hours="h",
            standards="s",
            fees="f",
            valid_from=date(2026, 1, 1),
            valid_until=date(2025, 1, 1),
        )
    agreement = svc.agreement_sign(
        actor=centre_admin,
        franchisee=franchisee,
        rights="接受派单",
        duties="按时上门",
        hours="8-20",
        standards="行业标准",
        fees="免费",
        valid_from=date(2026, 1, 1),
        valid_until=date(2026, 11, 20),
        response_minutes=20,
    )
    assert svc.agreement_current(franchisee, NOW) == agreement


@pytest.mark.req("FRANCHISE-1")
def test_expiring_agreements_warn_the_centre_admin_once(make, areas):
    make("SOON", valid_until=(NOW + timedelta(days=20)).date())
    make("LATER", valid_until=(NOW + timedelta(days=90)).date())
    assert svc.agreements_expiry_warn(now=NOW) == 1
    assert svc.agreements_expiry_warn(now=NOW) == 0
    messages = OutboxMessage.objects.filter(topic="franchise.agreement.expiring")
    assert {m.title for m in messages} == {"加盟协议即将到期：SOON家政服务有限公司"}
    assert all(m.payload["roles"] == ["centre_admin"] for m in messages)


@pytest.mark.req("FRANCHISE-6")
def test_the_credit_formula():
    """FRANCHISE-6: the written formula of docs/franchise-credit.md."""
    assert credit_score(CreditInputs()) == 90
    assert credit_score(CreditInputs(feedback_average=5.0)) == 100
    assert credit_score(CreditInputs(complaints=1, repeat_complaints=1)) == 60
    assert credit_score(CreditInputs(timeouts=2, dissatisfied=1, price_flags=1)) == 78
    assert credit_score(CreditInputs(repeat_complaints=9)) == 0
    assert [stars_for(s) for s in (100, 90, 75, 60, 10)] == [5, 4, 3, 2, 1]


def _served(agent, worker, ticket):
    svc.market_dispatch(actor=agent, ticket=ticket, service="cleaning", now=NOW)
    svc.market_accept(actor=worker, ticket_number=ticket.number, now=NOW)
    return svc.market_report(
        actor=worker,
        ticket_number=ticket.number,
        price=Decimal("100"),
        agreed_at=NOW,
        served_at=NOW + timedelta(hours=1),
        note="完成",
        now=NOW + timedelta(hours=2),
    )


@pytest.mark.req("CALLBACK-4", "FRANCHISE-5", "FRANCHISE-6")
def test_feedback_callback_and_complaints_move_the_credit(
    agent, callback_agent, areas, make, request_ticket, staff_of
):
    """CALLBACK-4: the feedback sheet and the callback result move the franchisee's credit;
    FRANCHISE-5: a complaint becomes a complaint ticket against it, counted once verified
    (W8), a repeat while the first is unresolved weighs double."""
    franchisee = make("ONE", base=areas["C11"])
    worker = staff_of(franchisee, "w1")
    order = _served(agent, worker, request_ticket())
    svc.feedback_fill(sheet=order.feedback, quality=5, attitude=5, punctuality=5, price_fair=True)
    franchisee.refresh_from_db()
    assert franchisee.credit == 100 and franchisee.stars == 5
    with pytest.raises(DomainError):
        svc.feedback_fill(
            sheet=order.feedback, quality=1, attitude=1, punctuality=1, price_fair=False
        )

    order.ticket.refresh_from_db()
    tsvc.ticket_callback(actor=callback_agent, ticket=order.ticket, result="dissatisfied")
    order.refresh_from_db()
    franchisee.refresh_from_db()
    assert order.callback_result == "dissatisfied" and franchisee.credit == 95

    first = svc.complaint_file(
        actor=agent,
        franchisee=franchisee,
        content="保洁不彻底还多收费",
        citizen_phone="13900003333",
        order_ticket=order.ticket.number,
        now=NOW,
    )
    assert first.ticket.category == "complaint" and first.ticket.complained_unit == franchisee.unit
    assert not first.repeat
    franchisee.refresh_from_db()
    assert franchisee.credit == 95  # not verified yet (W8)
    second = svc.complaint_file(
        actor=agent,
        franchisee=franchisee,
        content="再次投诉：问题仍未解决",
        citizen_phone="13900003333",
        now=NOW + timedelta(days=3),
    )
    assert second.repeat
    svc.complaint_verify(actor=agent, complaint=first, finding="属实")
    svc.complaint_verify(actor=agent, complaint=second, finding="属实")
    franchisee.refresh_from_db()
    assert franchisee.credit == 65

    department = UnitFactory(code="SCJG", name="区市场监督管理局")
    svc.complaint_refer(actor=agent, complaint=second, department_code="SCJG", note="价格争议")
    second.ticket.refresh_from_db()
    assert second.ticket.state == "dispatched"
    assert second.ticket.assignments.get(active=True).unit == department
    assert "附投诉卷宗" in second.ticket.events.get(action="ticket.dispatched").note


@pytest.mark.req("FRANCHISE-6", "PUBLISH-2")
def test_assessment_blacklist_and_termination_are_recorded(
    centre_admin, agent, areas, make, request_ticket
):
    good = make("GOOD", base=areas["C11"])
    bad = make("BAD", base=areas["C11"])
    decisions = svc.credit_assess_year(actor=centre_admin, year=2026, now=NOW)
    assert {d.franchisee.unit.code: d.score for d in decisions} == {"GOOD": 90, "BAD": 90}
    good.refresh_from_db()
    assert good.recommended
    with pytest.raises(InvalidInput):
        svc.franchisee_sanction(actor=centre_admin, franchisee=bad, kind="blacklist", reason=" ")
    with pytest.raises(PermissionDenied):
        svc.franchisee_sanction(actor=agent, franchisee=bad, kind="blacklist", reason="欺诈")
    entry = svc.franchisee_sanction(
        actor=centre_admin, franchisee=bad, kind="blacklist", reason="多次虚报价格"
    )
    assert entry.decided_by == centre_admin and entry.reason == "多次虚报价格"
    order = svc.market_dispatch(actor=agent, ticket=request_ticket(), service="cleaning", now=NOW)
    assert order.considered == ["GOOD"]
    svc.franchisee_sanction(
        actor=centre_admin, franchisee=good, kind="terminate", reason="到期不续"
    )
    assert not good.agreements.filter(terminated_at__isnull=True).exists()
    assert CreditDecision.objects.filter(kind="terminate", franchisee=good).exists()


@pytest.mark.req("FRANCHISE-7")
def test_volunteers_are_matched_by_skill_and_area_and_hours_recorded(agent, areas):
    near = Volunteer.objects.create(name="李医生", phone="1", skills=["doctor"], area=areas["C11"])
    Volunteer.objects.create(name="王医生", phone="2", skills=["doctor"], area=areas["C21"])
    Volunteer.objects.create(name="赵律师", phone="3", skills=["lawyer"], area=areas["C11"])
    found = svc.volunteer_match(skill="doctor", area=areas["C12"])
    assert [v.name for v in found] == ["李医生", "王医生"]
    service = svc.volunteer_assign(actor=agent, volunteer=near, group="elderly", skill="doctor")
    with pytest.raises(InvalidInput):
        svc.volunteer_assign(actor=agent, volunteer=near, group="elderly", skill="lawyer")
    svc.volunteer_hours_record(
        actor=agent, service=service, hours=Decimal("2.5"), served_on=NOW.date()
    )
    from hotline.franchise.selectors import volunteer_hours_report

    assert volunteer_hours_report()[0]["hours"] == Decimal("2.5")
