"""A market-service request from the portal (issue 16 "Done when": from the desk and the
portal), and the way from the staff ticket page to the market dispatch."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from hotline.franchise import services as svc
from hotline.franchise.models import MarketOrder, MarketRequest
from hotline.notifications.models import OutboxMessage
from hotline.tickets.models import Ticket
from tests.franchise.conftest import make_franchisee

pytestmark = pytest.mark.django_db

PHONE = "13900002222"


def _code() -> str:
    message = OutboxMessage.objects.filter(adapter="sms", payload__to=PHONE).order_by("-id")[0]
    return re.search(r"\d{6}", message.payload["text"]).group(0)


def _ask(client: Client, **fields: str):
    data = {
        "action": "submit",
        "service": "cleaning",
        "phone": PHONE,
        "content": "家里需要保洁，周六上午",
        "address": "新桥路 1 号",
        "area": "C11",
    }
    data.update(fields)
    return client.post("/portal/market/", data)


@pytest.mark.req("DISPATCH-5")
def test_a_citizen_asks_for_a_market_service_on_the_portal_and_the_centre_routes_it(
    centre, agent, areas
):
    make_franchisee("QJ1", base=areas["C11"])
    portal = Client()
    page = portal.get("/portal/").content.decode()
    assert "/portal/market/" in page
    assert "cleaning" in portal.get("/portal/market/").content.decode()
    assert portal.post("/portal/market/", {"action": "code", "phone": PHONE}).status_code == 200

    # A missing service class keeps everything typed and answers in Chinese.
    bad = _ask(portal, service="", code=_code())
    assert bad.status_code == 400
    assert "请选择服务类别" in bad.content.decode()
    assert "家里需要保洁" in bad.content.decode()
    assert not Ticket.objects.exists()

    response = _ask(portal, code=_code())
    assert response.status_code == 201
    ticket = Ticket.objects.get()
    assert ticket.category == "help" and ticket.channel == "web"
    assert MarketRequest.objects.get(ticket=ticket).service == "cleaning"
    assert svc.market_service_of(ticket) == "cleaning"

    desk = Client()
    desk.force_login(agent)
    ticket_page = desk.get(f"/tickets/{ticket.number}/").content.decode()
    assert f'href="/market/dispatch/{ticket.number}/?service=cleaning"' in ticket_page
    dispatch_page = desk.get(f"/market/dispatch/{ticket.number}/").content.decode()
    assert "QJ1家政服务有限公司" in dispatch_page  # the service is preselected: the ranking shows

    svc.market_dispatch(actor=agent, ticket=ticket, service="cleaning")
    assert MarketOrder.objects.get(ticket=ticket).offers.get().franchisee.unit.code == "QJ1"


def test_the_ticket_page_offers_no_market_dispatch_for_other_requests(
    agent, request_ticket, unit_officer
):
    ticket = request_ticket()
    desk = Client()
    desk.force_login(agent)
    assert "market-dispatch" not in desk.get(f"/tickets/{ticket.number}/").content.decode()
    MarketRequest.objects.create(ticket=ticket, service="moving")
    assert "market-dispatch" in desk.get(f"/tickets/{ticket.number}/").content.decode()
    officer = Client()
    officer.force_login(unit_officer)
    page = officer.get(f"/tickets/{ticket.number}/")
    assert "market-dispatch" not in page.content.decode()
