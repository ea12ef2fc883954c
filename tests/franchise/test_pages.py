"""The market-service pages render and drive the services (issue 16)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from hotline.franchise import services as svc
from hotline.franchise.models import Application, CreditDecision, Franchisee
from hotline.tickets import services as tsvc
from tests.factories import UserFactory
from tests.franchise.conftest import make_franchisee

pytestmark = pytest.mark.django_db


def _login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _current(code, areas, **kw):
    f = make_franchisee(code, base=areas["C11"], **kw)
    today = timezone.localdate()
    f.agreements.update(
        valid_from=today - timedelta(days=5), valid_until=today + timedelta(days=200)
    )
    return f


@pytest.mark.req("FRANCHISE-1")
def test_the_public_application_and_the_centre_review(areas, centre_admin):
    client = Client()
    assert client.get("/market/join/").status_code == 200
    answer = client.post(
        "/market/join/",
        {
            "name": "澜溪搬家服务部",
            "kind": "sole_trader",
            "licence_number": "92330100MA",
            "licence_file": SimpleUploadedFile("licence.pdf", b"%PDF-1.4"),
            "services": ["moving"],
            "hours": "8:00-18:00",
            "contact_name": "刘师傅",
            "contact_phone": "13600001111",
        },
    )
    assert answer.status_code == 200 and 'id="applied"' in answer.content.decode()
    application = Application.objects.get()
    admin = _login(centre_admin)
    page = admin.get("/market/")
    assert "澜溪搬家服务部" in page.content.decode()
    admin.post(
        f"/market/applications/{application.pk}/decide/",
        {"decision": "approve", "code": "BJ1", "base_area": "C11"},
    )
    franchisee = Franchisee.objects.get(unit__code="BJ1")
    admin.post(
        "/market/franchisees/BJ1/agreement/",
        {
            "rights": "r",
            "duties": "d",
            "hours": "8-18",
            "standards": "s",
            "fees": "f",
            "valid_from": "2026-01-01",
            "valid_until": "2027-12-31",
        },
    )
    assert franchisee.agreements.count() == 1
    admin.post("/market/franchisees/BJ1/decision/", {"kind": "blacklist", "reason": "虚假资质"})
    franchisee.refresh_from_db()
    assert franchisee.blacklisted
    assert CreditDecision.objects.get(kind="blacklist").decided_by == centre_admin
    public = Client().get("/market/ratings/").content.decode()
    assert "澜溪搬家服务部" in public and "虚假资质" in public


@pytest.mark.req("DISPATCH-7", "FRANCHISE-3", "CALLBACK-4")
def test_dispatch_accept_report_and_feedback_pages(agent, areas):
    one = _current("P1", areas)
    worker = UserFactory(username="franchise1", unit=one.unit, roles=["unit_handler"])
    ticket = tsvc.ticket_register(
        actor=agent,
        channel="phone",
        category="help",
        content="空调不制冷需要维修",
        citizen_phone="13900005555",
        area_code="C11",
    )
    desk = _login(agent)
    shown = desk.get(f"/market/dispatch/{ticket.number}/", {"service": "cleaning"})
    assert "P1家政服务有限公司" in shown.content.decode()
    desk.post(f"/market/dispatch/{ticket.number}/", {"service": "cleaning", "franchisee": "P1"})
    assert ticket.__class__.objects.get(pk=ticket.pk).market_order.franchisee == one
    firm = _login(worker)
    assert ticket.number in firm.get("/market/").content.decode()
    firm.post(f"/market/orders/{ticket.number}/accept/")
    now = timezone.localtime()
    firm.post(
        f"/market/orders/{ticket.number}/report/",
        {
            "price": "90",
            "agreed_at": (now - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "served_at": (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "note": "已修好",
        },
    )
    order = ticket.__class__.objects.get(pk=ticket.pk).market_order
    assert order.state == "reported"
    sheet = order.feedback
    page = Client().get(f"/market/feedback/{sheet.token}/")
    assert page.status_code == 200
    Client().post(
        f"/market/feedback/{sheet.token}/",
        {"quality": "5", "attitude": "4", "punctuality": "5", "price_fair": "yes"},
    )
    sheet.refresh_from_db()
    assert sheet.source == "portal" and sheet.quality == 5
    assert Client().get("/market/feedback/nope/").status_code == 404


def test_pages_refuse_outsiders(outsider, areas):
    client = _login(outsider)
    assert client.get("/market/").status_code == 403
    assert client.get("/market/volunteers/").status_code == 403
    assert svc.EXPIRY_WARNING_DAYS == 30
