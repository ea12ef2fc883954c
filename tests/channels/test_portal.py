"""The citizen portal: submit with an SMS code, follow with the query code, rate the reply."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from hotline.channels.models import Rating
from hotline.core.models import AuditEntry
from hotline.notifications.models import OutboxMessage
from hotline.tickets.models import Ticket
from tests.channels.conftest import deliver_sms, reply_ticket

PHONE = "13900001111"


def _code(phone: str = PHONE) -> str:
    message = OutboxMessage.objects.filter(adapter="sms", payload__to=phone).order_by("-id")[0]
    return re.search(r"\d{6}", message.payload["text"]).group(0)


def _submit(client: Client, **fields: str):
    data = {
        "action": "submit",
        "phone": PHONE,
        "category": "help",
        "content": "小区路灯坏了三天",
        "address": "新桥路 1 号",
    }
    data.update(fields)
    return client.post("/portal/submit/", data)


@pytest.fixture
def submitted(centre, settings, gateway):
    settings.HOTLINE_SMS_GATEWAY_URL = gateway.url
    client = Client()
    assert client.post("/portal/submit/", {"action": "code", "phone": PHONE}).status_code == 200
    response = _submit(client, code=_code())
    assert response.status_code == 201
    text = response.content.decode()
    number = re.search(r'id="ticket-number">([^<]+)<', text).group(1)
    query = re.search(r'id="query-code">([^<]+)<', text).group(1)
    return number, query


@pytest.mark.req("INTAKE-2")
def test_a_citizen_submits_with_an_sms_code_and_gets_a_number_and_query_code(submitted, gateway):
    """INTAKE-2: a web submission becomes a ticket with channel web; the code went by SMS."""
    number, query = submitted
    ticket = Ticket.objects.get(number=number)
    assert ticket.channel == "web"
    assert ticket.citizen.phone == PHONE
    assert ticket.registered_by.username == "channel-portal"
    assert len(query) == 8
    deliver_sms()
    assert [m["to"] for m in gateway.received] == [PHONE]
    assert "验证码" in gateway.received[0]["text"]


def test_a_wrong_code_keeps_everything_typed(centre, settings, gateway):
    settings.HOTLINE_SMS_GATEWAY_URL = gateway.url
    client = Client()
    client.post("/portal/submit/", {"action": "code", "phone": PHONE})
    response = _submit(client, code="000000" if _code() != "000000" else "111111")
    assert response.status_code == 400
    text = response.content.decode()
    assert "验证码不正确" in text
    assert "小区路灯坏了三天" in text and "新桥路 1 号" in text and PHONE in text
    assert not Ticket.objects.exists()


def test_bad_input_is_refused_without_a_ticket(centre):
    client = Client()
    assert client.post("/portal/submit/", {"action": "code", "phone": "abc"}).status_code == 400
    response = _submit(client, code="123456", content="a\x00b")
    assert response.status_code == 400
    response = _submit(client, code="123456", content="长" * 5000)
    assert response.status_code == 400
    assert not Ticket.objects.exists()


def test_codes_are_throttled_per_phone(centre):
    client = Client()
    for _ in range(5):
        assert client.post("/portal/submit/", {"action": "code", "phone": PHONE}).status_code == 200
    response = client.post("/portal/submit/", {"action": "code", "phone": PHONE})
    assert response.status_code == 429


def test_the_portal_is_throttled_per_address(centre, settings):
    settings.HOTLINE_THROTTLE_RATES = {**settings.HOTLINE_THROTTLE_RATES, "portal-query": "2/h"}
    client = Client()
    for _ in range(2):
        client.post("/portal/follow/", {"number": "x", "query_code": "y"})
    response = client.post("/portal/follow/", {"number": "x", "query_code": "y"})
    assert response.status_code == 429


def test_following_needs_the_query_code(submitted):
    number, query = submitted
    client = Client()
    assert (
        client.post("/portal/follow/", {"number": number, "query_code": "WRONG"}).status_code == 404
    )
    response = client.post("/portal/follow/", {"number": number, "query_code": query})
    assert response.status_code == 200
    assert "您的诉求已受理登记" in response.content.decode()
    assert AuditEntry.objects.filter(action="portal.ticket.view").count() == 1


@pytest.mark.req("CALLBACK-2")
def test_the_citizen_reads_the_reply_without_staff_names_and_rates_it(
    submitted, agent, unit, unit_officer, settings
):
    """CALLBACK-2: where the profile calls back a share (Shanghai), the citizen's own rating
    is the callback's result; the timeline names no staff and shows no internal note."""
    settings.HOTLINE_PROFILE = "shanghai-962200"
    number, query = submitted
    ticket = Ticket.objects.get(number=number)
    Ticket.objects.filter(pk=ticket.pk).update(profile="shanghai-962200")
    ticket.refresh_from_db()
    unit_officer.full_name = "李承办"
    unit_officer.save()
    reply_ticket(ticket, agent=agent, unit=unit, officer=unit_officer)
    client = Client()
    response = client.post("/portal/follow/", {"number": number, "query_code": query})
    text = response.content.decode()
    assert "已安排维修，问题已解决。" in text
    assert "李承办" not in text and "handler1" not in text and "agent" not in text
    response = client.post(
        "/portal/follow/",
        {"number": number, "query_code": query, "action": "rate", "result": "satisfied"},
    )
    assert response.status_code == 200
    assert "感谢您的评价" in response.content.decode()
    ticket.refresh_from_db()
    # Shanghai closes a satisfied ticket in the callback's own step (callback.close_on_satisfied).
    assert ticket.state == "closed"
    assert ticket.events.get(action="ticket.called_back").payload["result"] == "satisfied"
    assert Rating.objects.get(ticket=ticket).counted_as_callback
    again = client.post(
        "/portal/follow/",
        {"number": number, "query_code": query, "action": "rate", "result": "dissatisfied"},
    )
    assert again.status_code == 409


def test_where_every_ticket_is_called_back_the_rating_is_kept_beside_it(
    submitted, agent, unit, unit_officer
):
    """CALLBACK-1: under the national profile the centre still calls back every ticket."""
    number, query = submitted
    ticket = reply_ticket(
        Ticket.objects.get(number=number), agent=agent, unit=unit, officer=unit_officer
    )
    assert ticket.profile == "national-12345"
    Client().post(
        "/portal/follow/",
        {"number": number, "query_code": query, "action": "rate", "result": "dissatisfied"},
    )
    ticket.refresh_from_db()
    assert ticket.state == "replied"
    rating = Rating.objects.get(ticket=ticket)
    assert rating.result == "dissatisfied" and not rating.counted_as_callback


def test_the_citizen_is_told_by_sms_when_the_ticket_is_replied(
    submitted, agent, unit, unit_officer, gateway
):
    number, _query = submitted
    reply_ticket(Ticket.objects.get(number=number), agent=agent, unit=unit, officer=unit_officer)
    deliver_sms()
    assert any(number in m["text"] and "答复" in m["text"] for m in gateway.received)
