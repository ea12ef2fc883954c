"""The supervision pages and the reminder notice as PDF (Chinese intact)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client

from hotline.supervision import services as sup
from hotline.supervision.models import Notice, Reminder, SupervisionOrder
from tests.supervision.helpers import dispatch, register

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def reminded(use_profile, agent, unit):
    """A Qilihe ticket past its reply deadline with reminder no. 1 issued."""
    use_profile("qilihe-96881")
    ticket = register(agent)
    dispatch(agent, ticket, unit.code)
    reply = ticket.deadlines.get(kind="reply")
    sup.reminders_issue(now=reply.due_at + timedelta(hours=1))
    return Reminder.objects.get(ticket=ticket)


def _pdf_strings(data: bytes) -> str:
    """Return the text shown by the PDF's uncompressed content (UCS-2 literal strings)."""
    out = []
    for raw in re.findall(rb"\(((?:\\.|[^\\)])*)\) Tj", data):
        decoded = re.sub(
            rb"\\([0-7]{1,3}|.)",
            lambda m: (
                bytes([int(m.group(1), 8)])
                if m.group(1)[:1].isdigit()
                else {b"n": b"\n", b"r": b"\r", b"t": b"\t"}.get(m.group(1), m.group(1))
            ),
            raw,
        )
        out.append(decoded.decode("utf-16-be", errors="replace"))
    return "".join(out)


@pytest.mark.req("SUPERVISE-1")
def test_the_reminder_notice_prints_as_pdf_with_chinese_intact(reminded, unit_officer, outsider):
    response = client_for(unit_officer).get(f"/supervision/reminders/{reminded.pk}.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    data = response.content
    assert data.startswith(b"%PDF")
    assert b"/STSong-Light" in data and b"/UniGB-UCS2-H" in data  # the CJK CID font
    text = _pdf_strings(data)
    assert "催办通知书" in text
    assert reminded.unit.name in text and reminded.ticket.number in text
    assert "督查小组" in text  # QLH: what follows a second failure (W3)
    assert client_for(outsider).get(f"/supervision/reminders/{reminded.pk}.pdf").status_code == 404


@pytest.mark.req("SUPERVISE-1", "A16")
def test_the_unit_answers_its_reminder_on_its_page(reminded, unit_officer):
    client = client_for(unit_officer)
    page = client.get("/supervision/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "催办通知书" in body and reminded.ticket.number in body and "报告理由" in body
    client.post(f"/supervision/reminders/{reminded.pk}/acknowledge/")
    done = client.post(
        f"/supervision/reminders/{reminded.pk}/reason/", {"reason": "待区住建局批复"}, follow=True
    )
    assert "不再继续催办" in done.content.decode()
    reminded.refresh_from_db()
    assert reminded.acknowledged_at and reminded.reason == "待区住建局批复"


@pytest.mark.req("SUPERVISE-2", "SUPERVISE-4")
def test_a_supervisor_opens_and_closes_an_order_and_issues_a_notice(
    use_profile, agent, unit, supervisor, unit_officer, outsider
):
    use_profile("shanghai-962200")
    ticket = register(agent)
    dispatch(agent, ticket, unit.code)
    boss = client_for(supervisor)
    page = boss.get("/supervision/").content.decode()
    assert "开具督办单" in page and "发布通报" in page

    done = boss.post(
        "/supervision/orders/open/",
        {"ticket": ticket.number, "form": "written", "reason": "办理程序存在瑕疵"},
        follow=True,
    )
    assert "已对工单" in done.content.decode()
    order = SupervisionOrder.objects.get()
    refused = boss.post(
        "/supervision/orders/open/",
        {"ticket": ticket.number, "form": "written", "reason": "再次"},
        follow=True,
    )
    assert "已有未结束的督办单" in refused.content.decode()

    handler = client_for(unit_officer)
    assert ticket.number in handler.get("/supervision/").content.decode()
    handler.post(f"/supervision/orders/{order.pk}/explain/", {"content": "已整改"})
    assert ticket.number not in client_for(outsider).get("/supervision/").content.decode()
    boss.post(f"/supervision/orders/{order.pk}/close/", {"finding": "整改到位"})
    order.refresh_from_db()
    assert order.state == "closed" and order.explanation == "已整改"

    boss.post(
        "/supervision/notices/issue/",
        {
            "units": unit.code,
            "period_start": "2026-11-01",
            "period_end": "2026-11-30",
            "ground": "sh26",
            "text": "不履行职责，予以通报。",
        },
    )
    assert list(Notice.objects.get().units.all()) == [unit]


def test_an_agent_without_supervision_rights_reads_but_cannot_act(
    use_profile, agent, unit, supervisor
):
    use_profile("tianjin-88908890")
    ticket = register(agent)
    dispatch(agent, ticket, unit.code)
    sup.order_open(actor=supervisor, ticket=ticket, form="phone", reason="重点事项")
    page = client_for(agent).get("/supervision/").content.decode()
    assert ticket.number in page
    assert "开具督办单" not in page and "提交书面说明" not in page
