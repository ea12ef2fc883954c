"""The citizen portal speaks Simplified Chinese by default and English when asked."""

from __future__ import annotations

import pytest
from django.test import Client

from hotline.tickets.models import Ticket
from tests.channels.conftest import reply_ticket
from tests.channels.test_portal import PHONE, _code


def _english(client: Client) -> None:
    """Pick English in the language menu (the browser's Accept-Language is ignored)."""
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/portal/"})
    assert response.status_code == 302


@pytest.mark.django_db
def test_the_portal_pages_are_chinese_by_default_and_english_on_request():
    client = Client()
    home = client.get("/portal/").content.decode()
    assert "我要反映诉求" in home and "暂无公告。" in home
    assert '<html lang="zh-hans">' in home
    _english(client)
    english = client.get("/portal/").content.decode()
    assert "Make a request or complaint" in english and "No bulletins at present." in english
    assert "我要反映" not in english
    submit = client.get("/portal/submit/").content.decode()
    assert "Mobile number" in submit and "search the knowledge base" in submit
    follow = client.get("/portal/follow/").content.decode()
    assert "Query code" in follow


def test_the_portal_messages_and_timeline_follow_the_language(
    centre, settings, gateway, agent, unit, unit_officer
):
    settings.HOTLINE_SMS_GATEWAY_URL = gateway.url
    client = Client()
    _english(client)
    page = client.post("/portal/submit/", {"action": "code", "phone": "12"})
    assert "Please enter a valid mobile number." in page.content.decode()
    page = client.post("/portal/submit/", {"action": "code", "phone": PHONE})
    assert "The code has been sent" in page.content.decode()
    data = {"action": "submit", "phone": PHONE, "code": _code(), "category": "help"}
    response = client.post("/portal/submit/", {**data, "content": "路灯坏了"})
    text = response.content.decode()
    assert response.status_code == 201 and "Submitted" in text and "提交成功" not in text
    number = text.split('id="ticket-number">')[1].split("<")[0]
    query = text.split('id="query-code">')[1].split("<")[0]
    ticket = Ticket.objects.get(number=number)
    reply_ticket(ticket, agent=agent, unit=unit, officer=unit_officer)
    page = client.post("/portal/follow/", {"number": number, "query_code": query})
    text = page.content.decode()
    assert f"Ticket {number}" in text and "Your request has been registered" in text
    assert "Basically satisfied" in text and "满意" not in text
    wrong = client.post("/portal/follow/", {"number": number, "query_code": "XXXX"})
    assert "The ticket number or query code is wrong." in wrong.content.decode()
    chinese = Client().post("/portal/follow/", {"number": number, "query_code": query})
    assert "您的诉求已受理登记" in chinese.content.decode()
