"""The staff screens (issue 7), through Django's test client: every page renders, forms keep
what was typed, services' refusals are shown, and units see only their own tickets."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from hotline.core.models import AuditEntry
from hotline.tickets import services as svc
from hotline.tickets.models import Ticket
from tests.factories import AreaFactory, ResponsibilityItemFactory

pytestmark = pytest.mark.django_db


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def register(agent: Any, **extra: Any) -> Ticket:
    fields: dict[str, Any] = {
        "actor": agent,
        "channel": "phone",
        "category": "complaint",
        "content": "小区电梯坏了一周没人修",
        "citizen_phone": "13900001111",
        "citizen_name": "王女士",
    }
    fields.update(extra)
    return svc.ticket_register(**fields)


@pytest.fixture
def dispatched(agent, unit):
    ticket = register(agent)
    svc.ticket_dispatch(actor=agent, ticket=ticket, unit_code=unit.code)
    return ticket


def call(**extra: Any) -> dict[str, Any]:
    data = {
        "phone": "13900002222",
        "name": "李先生",
        "content": "楼道电梯停运三天，老人无法下楼",
        "category": "complaint",
        "outcome": "ticket",
        "unit": "",
    }
    data.update(extra)
    return data


# ----------------------------------------------------------------------------- workstation


def test_the_workstation_renders_for_an_agent(agent, unit):
    response = login(agent).get("/desk/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_phone"' in html and "接线工作台" in html
    assert unit.code in html  # the unit type-ahead lists the units


def test_the_workstation_is_refused_to_a_unit_clerk(unit_officer):
    response = login(unit_officer).get("/desk/")
    assert response.status_code == 403
    assert "无权" in response.content.decode() or "不能" in response.content.decode()


def test_an_agent_registers_and_dispatches_a_call_in_one_post(agent, unit):
    response = login(agent).post("/desk/", call(unit=f"{unit.name}（{unit.code}）"))
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.state == "dispatched"
    assert ticket.assignments.get().unit == unit
    assert ticket.citizen.phone == "13900002222"


def test_a_call_without_a_unit_waits_in_the_dispatch_queue(agent, unit):
    client = login(agent)
    client.post("/desk/", call())
    ticket = Ticket.objects.get()
    assert ticket.state == "registered"
    page = client.get("/queue/dispatch/").content.decode()
    assert ticket.number in page


def test_errors_are_shown_next_to_the_field_and_the_input_is_kept(agent, unit):
    response = login(agent).post("/desk/", call(content="", unit="没有这个单位"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "这个字段是必填项" in html
    assert "找不到单位" in html
    assert "13900002222" in html and "李先生" in html
    assert Ticket.objects.count() == 0


@pytest.mark.req("SCOPE-2")
def test_a_not_accepted_emergency_call_is_registered_with_its_referral(agent):
    client = login(agent)
    page = client.get("/desk/").content.decode()
    assert '"referral": ["110", "119", "120", "122"]' in page
    response = client.post(
        "/desk/",
        call(content="家里着火了", outcome="reject", reject_reason="emergency", urgent="on"),
        follow=True,
    )
    ticket = Ticket.objects.get()
    assert ticket.state == "not_accepted"
    assert "110" in response.content.decode()


def test_a_reason_needing_details_asks_for_them(agent):
    response = login(agent).post(
        "/desk/", call(outcome="reject", reject_reason="other_legal_procedure")
    )
    assert response.status_code == 400
    assert "需要" in response.content.decode() or "details" in response.content.decode()
    assert Ticket.objects.count() == 0


@pytest.mark.req("ANSWER-1")
def test_a_direct_answer_records_the_articles_cited(agent, centre_admin):
    from hotline.knowledge.models import Article
    from hotline.knowledge.services import articles_import

    rows = [
        {"external_id": f"QA-{n}", "kind": "qa", "title": f"物业报修{n}", "body": "拨打物业电话"}
        for n in (1, 2)
    ]
    articles_import(actor=centre_admin, rows=rows)
    ids = sorted(Article.objects.values_list("pk", flat=True))
    login(agent).post(
        "/desk/",
        call(outcome="answer", answer="请拨打物业电话报修。", articles=",".join(map(str, ids))),
    )
    ticket = Ticket.objects.get()
    assert ticket.state == "answered"
    event = ticket.events.get(action="ticket.answered")
    assert [(a["id"], a["version"]) for a in event.payload["articles"]] == [(i, 1) for i in ids]


@pytest.mark.req("ANSWER-2")
def test_a_deferred_answer_is_registered(agent):
    login(agent).post("/desk/", call(outcome="defer", defer_note="查询政策后回电"))
    assert Ticket.objects.get().state == "answer_deferred"


def test_the_caller_panel_shows_a_repeat_callers_open_tickets(agent, dispatched):
    client = login(agent)
    html = client.get("/desk/caller/", {"phone": "13900001111"}).content.decode()
    assert "王女士" in html and dispatched.number in html
    assert "重复来电" in html
    assert AuditEntry.objects.filter(action="citizen.view").exists()


def test_the_area_type_ahead_accepts_an_alias(agent, unit):
    AreaFactory(code="LX01", name="东门街道", aliases=["东门"])
    login(agent).post("/desk/", call(area="东门"))
    assert Ticket.objects.get().area.code == "LX01"


@pytest.mark.req("DISPATCH-1")
def test_units_whose_responsibility_list_matches_are_suggested(agent, unit, other_unit):
    ResponsibilityItemFactory(unit=unit, keywords=["电梯"], ticket_types=["complaint"])
    ResponsibilityItemFactory(unit=other_unit, keywords=["水压"])
    html = (
        login(agent)
        .get("/desk/assist/", {"content": "电梯坏了", "category": "complaint"})
        .content.decode()
    )
    assert unit.code in html and other_unit.code not in html
    assert "办理答复" in html  # the reply limit is shown before saving


# ----------------------------------------------------------------------------- the ticket page


@pytest.mark.req("HANDLE-2")
def test_a_unit_clerk_signs_contacts_and_replies(unit_officer, dispatched):
    client = login(unit_officer)
    base = f"/tickets/{dispatched.number}/"
    assert client.get(base).status_code == 200
    assert client.post(base + "do/sign/").status_code == 302
    response = client.post(base + "do/contact/", {"contact-note": ""})
    assert response.status_code == 400 and "这个字段是必填项" in response.content.decode()
    client.post(base + "do/contact/", {"contact-note": "已电话联系王女士"})
    client.post(
        base + "do/reply/",
        {"reply-content": "已修复电梯", "reply-citizen_satisfaction": "satisfied"},
    )
    dispatched.refresh_from_db()
    assert dispatched.state == "replied"


def test_a_service_refusal_is_shown_at_the_top_with_the_input_kept(unit_officer, dispatched):
    client = login(unit_officer)
    # Replying before signing is refused by the transition table.
    response = client.post(
        f"/tickets/{dispatched.number}/do/reply/", {"reply-content": "我们已处理"}
    )
    assert response.status_code in (403, 409)
    html = response.content.decode()
    assert 'role="alert"' in html


@pytest.mark.req("PRIVACY-2")
def test_a_clerk_of_another_unit_gets_403(outsider, dispatched):
    response = login(outsider).get(f"/tickets/{dispatched.number}/")
    assert response.status_code == 403
    assert "不能" in response.content.decode()
    assert login(outsider).get("/tickets/20990101-000001/").status_code == 404


@pytest.mark.req("PRIVACY-2")
def test_the_complainant_is_hidden_from_the_unit_complained_about(agent, unit, unit_officer):
    ticket = register(agent, complained_unit_code=unit.code)
    svc.ticket_dispatch(actor=agent, ticket=ticket, unit_code=unit.code)
    html = login(unit_officer).get(f"/tickets/{ticket.number}/").content.decode()
    assert "13900001111" not in html and "王女士" not in html


def test_attachments_are_checked_and_listed(agent, dispatched):
    client = login(agent)
    url = f"/tickets/{dispatched.number}/attach/"
    bad = SimpleUploadedFile("a.exe", b"MZ....", content_type="application/octet-stream")
    response = client.post(url, {"file": bad})
    assert response.status_code == 400 and "不支持的文件类型" in response.content.decode()
    good = SimpleUploadedFile("photo.png", b"\x89PNG\r\n\x1a\n0000", content_type="image/png")
    assert client.post(url, {"file": good}).status_code == 302
    html = client.get(f"/tickets/{dispatched.number}/").content.decode()
    assert "photo.png" in html


@pytest.mark.req("HANDLE-5")
def test_an_extension_is_requested_and_approved_from_the_board(
    agent, unit_officer, supervisor, dispatched
):
    clerk = login(unit_officer)
    base = f"/tickets/{dispatched.number}/"
    clerk.post(base + "do/sign/")
    until = (timezone.localdate() + timedelta(days=40)).isoformat()
    response = clerk.post(
        base + "do/extension_request/",
        {
            "extension_request-until": until,
            "extension_request-reason": "需协调多个部门",
            "extension_request-basis": "涉及多部门联合执法",
        },
    )
    assert response.status_code == 302, re.findall(
        r"(?:error\"[^>]*>)([^<]+)", response.content.decode()
    )
    boss = login(supervisor)
    board = boss.get("/board/").content.decode()
    assert dispatched.number in board and "需协调多个部门" in board
    pending = dispatched.extensions.get()
    response = boss.post(
        base + "do/extension_decide/",
        {
            "extension_decide-extension": pending.pk,
            "extension_decide-decision": "approved",
            "next": "/board/",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/board/"
    pending.refresh_from_db()
    assert pending.status == "approved"


# ----------------------------------------------------------------------------- lists


def test_the_unit_inbox_lists_only_the_units_tickets_with_counts(
    agent, unit, other_unit, unit_officer, dispatched
):
    mine = dispatched
    theirs = register(agent, content="停水了")
    svc.ticket_dispatch(actor=agent, ticket=theirs, unit_code=other_unit.code)
    html = login(unit_officer).get("/unit/").content.decode()
    assert mine.number in html and theirs.number not in html
    assert "超时" in html


def test_the_unit_inbox_puts_overdue_tickets_first(agent, unit, unit_officer):
    old = register(agent, content="很早的诉求")
    svc.ticket_dispatch(
        actor=agent, ticket=old, unit_code=unit.code, now=timezone.now() - timedelta(days=60)
    )
    new = register(agent, content="新的诉求")
    svc.ticket_dispatch(actor=agent, ticket=new, unit_code=unit.code)
    html = login(unit_officer).get("/unit/").content.decode()
    assert html.index(old.number) < html.index(new.number)
    overdue = login(unit_officer).get("/unit/", {"light": "overdue"}).content.decode()
    assert old.number in overdue and new.number not in overdue


def test_the_board_counts_open_tickets_by_unit(supervisor, dispatched, unit):
    html = login(supervisor).get("/board/").content.decode()
    assert f"?unit={unit.code}" in html
    assert 'hx-trigger="every 60s"' in html


@pytest.mark.req("CALLBACK-3")
def test_callback_dissatisfied_then_redo_from_the_callback_queue(
    agent, unit_officer, callback_agent, inspector, dispatched
):
    svc.ticket_sign(actor=unit_officer, ticket=dispatched)
    svc.ticket_reply(actor=unit_officer, ticket=dispatched, content="已处理")
    caller = login(callback_agent)
    html = caller.get("/callbacks/").content.decode()
    # PRIVACY-3: the queue masks the number; the ticket page shows it in full, audited.
    assert dispatched.number in html and "139****1111" in html and "13900001111" not in html
    before = AuditEntry.objects.filter(action="citizen.view").count()
    assert "13900001111" in caller.get(f"/tickets/{dispatched.number}/").content.decode()
    assert AuditEntry.objects.filter(action="citizen.view").count() == before + 1
    caller.post(
        f"/tickets/{dispatched.number}/do/callback/",
        {
            "callback-result": "dissatisfied",
            "callback-solved": "no",
            "callback-contacted_in_time": "yes",
            "callback-note": "电梯仍然不能用",
            "next": "/callbacks/",
        },
    )
    dispatched.refresh_from_db()
    assert dispatched.state == "dissatisfied"
    login(inspector).post(f"/tickets/{dispatched.number}/do/redo/", {"redo-note": "请重新处理"})
    dispatched.refresh_from_db()
    assert dispatched.state == "dispatched"


def test_the_ticket_list_filters_and_paginates(supervisor, agent):
    for i in range(30):
        register(agent, content=f"噪音扰民{i}")
    register(agent, content="路灯不亮")
    client = login(supervisor)
    html = client.get("/tickets/", {"q": "路灯"}).content.decode()
    assert "路灯不亮" in html and "噪音扰民" not in html
    page2 = client.get("/tickets/", {"page": 2}).content.decode()
    assert "第 2 页" in page2 or "2" in page2


@pytest.mark.parametrize(
    "fixture",
    [
        "agent",
        "reviewer",
        "callback_agent",
        "inspector",
        "supervisor",
        "centre_admin",
        "unit_officer",
        "unit_admin",
    ],
)
def test_every_role_home_page_lists_what_to_do_now(request, fixture):
    user = request.getfixturevalue(fixture)
    response = login(user).get("/", follow=True)
    assert response.status_code == 200
    assert 'class="todo-list"' in response.content.decode()


def test_the_admin_hub_and_inbox_render(centre_admin, supervisor):
    assert login(centre_admin).get("/manage/").status_code == 200
    assert login(supervisor).get("/manage/").status_code == 403
    assert login(supervisor).get("/inbox/").status_code == 200


def test_a_returned_ticket_leaves_the_unit_inbox(agent, unit, other_unit, unit_officer, dispatched):
    svc.ticket_return(
        actor=unit_officer, ticket=dispatched, reason="不属本单位职责", basis="权责清单"
    )
    svc.ticket_redispatch(actor=agent, ticket=dispatched, unit_code=other_unit.code)
    client = login(unit_officer)
    assert dispatched.number not in client.get("/unit/").content.decode()
    # Its page stays readable to the unit that had it (the timeline is its history too).
    assert client.get(f"/tickets/{dispatched.number}/").status_code == 200


def test_the_screens_switch_to_english(agent):
    client = login(agent)
    client.post("/i18n/setlang/", {"language": "en", "next": "/desk/"})
    html = client.get("/desk/").content.decode()
    assert "Agent workstation" in html and "Caller number" in html
