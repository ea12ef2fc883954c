"""The centre-quality pages in Chinese: scoring (STATS-5) and flags (INTAKE-7)."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from hotline.core.models import AuditEntry
from hotline.quality import services as svc
from hotline.quality.models import CallerFlag, FlagRule, SampledTicket
from tests.quality.helpers import register

pytestmark = pytest.mark.django_db

OCT = date(2026, 10, 1)


@pytest.fixture
def sampled(agent):
    for day in range(1, 4):
        register(agent, when=f"2026-10-{day:02d} 09:00")
    svc.sample_draw(month=OCT, per_agent=2, seed=1)
    return SampledTicket.objects.order_by("id").first()


@pytest.mark.req("STATS-5")
def test_an_inspector_scores_on_the_page_and_the_agent_sees_it(client, inspector, agent, sampled):
    client.force_login(inspector)
    page = client.get(reverse("quality:scores"), {"month": "2026-10"}).content.decode()
    assert "话务质检" in page and sampled.ticket.number in page and "抽取样本" in page
    url = reverse("quality:review", args=[sampled.pk])
    form = client.get(url).content.decode()
    assert "服务态度" in form
    body = form.split('<form method="post" class="card stack"')[1]
    assert " selected" not in body  # nothing pre-selected
    missing = client.post(url, {"courtesy": "5", "accuracy": "5", "classification": "5"})
    assert missing.status_code == 400 and "请为每一项评分" in missing.content.decode()
    done = client.post(
        url,
        {
            "courtesy": "5",
            "accuracy": "4",
            "classification": "5",
            "completeness": "4",
            "accuracy_note": "口径不完整",
        },
    )
    assert done.status_code == 302
    client.force_login(agent)
    own = client.get(reverse("quality:scores"), {"month": "2026-10"}).content.decode()
    assert "我的质检得分" in own and "90.0" in own and "抽取样本" not in own
    assert "口径不完整" in client.get(url).content.decode()


@pytest.mark.req("STATS-5")
def test_the_pages_refuse_others(client, unit_officer, callback_agent, sampled):
    client.force_login(unit_officer)
    assert client.get(reverse("quality:scores")).status_code == 403
    assert client.get(reverse("quality:review", args=[sampled.pk])).status_code == 404
    assert client.get(reverse("quality:flags")).status_code == 403
    client.force_login(callback_agent)
    assert client.get(reverse("quality:scores"), {"month": "bogus"}).status_code == 403


@pytest.mark.req("STATS-5")
def test_a_bad_month_is_a_message_not_an_error(client, inspector):
    client.force_login(inspector)
    response = client.get(reverse("quality:scores"), {"month": "2026-99"})
    assert response.status_code == 200 and "月份" in response.content.decode()
    drawn = client.post(reverse("quality:sample_draw"), {"month": "x", "per_agent": "2"})
    assert drawn.status_code == 302


@pytest.mark.req("INTAKE-7", "PRIVACY-3")
def test_flags_are_raised_decided_and_read_through_the_pages(
    client, agent, supervisor, centre_admin
):
    ticket = register(agent, phone="13900007777")
    client.force_login(agent)
    raised = client.post(
        reverse("quality:flag_raise"),
        {"phone": "13900007777", "reason": "abuse", "note": "辱骂接线员", "tickets": ticket.number},
        follow=True,
    )
    assert "待督办人员审核" in raised.content.decode()
    flag = CallerFlag.objects.get()
    listing = client.get(reverse("quality:flags")).content.decode()
    assert "139****7777" in listing and "13900007777" not in listing

    client.force_login(supervisor)
    detail = client.get(reverse("quality:flag_detail", args=[flag.pk])).content.decode()
    assert "13900007777" in detail
    assert AuditEntry.objects.filter(action="caller_flag.view", actor=supervisor).count() == 1
    client.post(reverse("quality:flag_decide", args=[flag.pk]), {"decision": "confirm"})
    flag.refresh_from_db()
    assert flag.state == "confirmed"

    client.force_login(centre_admin)
    assert "本中心处置规则" in client.get(reverse("quality:flags")).content.decode()
    client.post(reverse("quality:flag_rule"), {"script": "请提醒文明用语", "validity_days": "90"})
    assert FlagRule.objects.get().validity_days == 90
    bad = client.post(reverse("quality:flag_rule"), {"script": "x", "validity_days": "abc"})
    assert bad.status_code == 302 and FlagRule.objects.get().script == "请提醒文明用语"


@pytest.mark.req("INTAKE-7")
def test_the_caller_lookup_marks_a_flagged_number(client, agent, supervisor):
    ticket = register(agent, phone="13900007777")
    flag = svc.flag_raise(
        actor=agent, phone="13900007777", reason="line", note="占线", ticket_numbers=[ticket.number]
    )
    svc.flag_decide(actor=supervisor, flag=flag, confirm=True)
    client.force_login(agent)
    page = client.get(reverse("citizens:lookup"), {"phone": "13900007777"}).content.decode()
    assert "恶意来电" in page
