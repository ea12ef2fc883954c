"""The staff screens in a real browser (issue 7): the whole path of a complaint, by keyboard
where an agent would use it, each step asserted on the page, with a screenshot of each screen."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from hotline.tickets import services as svc
from hotline.tickets.models import Ticket
from tests.factories import (
    TEST_PASSWORD,
    AreaFactory,
    ResponsibilityItemFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def shot(page: Any, name: str, *, full_page: bool = False) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)


@pytest.fixture
def open_as(browser: Any, live_server: Any) -> Any:
    """Return a function giving a page signed in as a user; every context closes at the end,
    before the live server stops (no request of a lingering page hits a dropped database)."""
    contexts: list[Any] = []

    def opener(_browser: Any, _server: Any, username: str, width: int = 1366) -> Any:
        context = browser.new_context(viewport={"width": width, "height": 768}, locale="zh-CN")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(f"{live_server.url}/login/")
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(TEST_PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url("**/home/**")
        return page

    yield opener
    for context in contexts:
        context.close()


def expect_state(page: Any, label: str) -> None:
    expect(page.locator("#state")).to_have_text(label)


@pytest.fixture
def district(centre, unit, other_unit):
    area = AreaFactory(code="LX01", name="东门街道", kind="subdistrict", aliases=["东门"])
    ResponsibilityItemFactory(
        unit=unit, matter="住宅电梯安全监管", keywords=["电梯"], ticket_types=["complaint"]
    )
    ResponsibilityItemFactory(unit=other_unit, matter="供水", keywords=["停水", "水压"])
    return area


@pytest.mark.req("HANDLE-4")
@pytest.mark.req("CALLBACK-3")
def test_the_whole_path_of_a_complaint(
    open_as, browser, live_server, district, unit, agent, unit_officer, callback_agent, inspector
):
    # 1. The agent takes the call and registers it by keyboard.
    desk = open_as(browser, live_server, "agent")
    desk.goto(f"{live_server.url}/desk/")
    desk.wait_for_selector("#id_phone:focus")
    desk.keyboard.type("13900001111")
    desk.keyboard.press("Tab")
    desk.keyboard.type("王女士")
    desk.keyboard.press("Alt+C")
    desk.keyboard.type("东门小区3幢电梯坏了一周没人修，老人无法下楼")
    desk.keyboard.press("Tab")
    desk.keyboard.press("ArrowDown")
    desk.keyboard.press("ArrowDown")  # consultation → help → complaint
    assert desk.locator("#id_category").input_value() == "complaint"
    desk.keyboard.press("Alt+A")
    desk.keyboard.type("东门街道（LX01）")
    # The knowledge base answers as the request is typed (no "unavailable" line).
    expect(desk.locator("#kb-status")).not_to_contain_text("知识库暂不可用")
    # The responsibility list suggests the unit; the time limit shows before saving.
    suggestion = desk.locator("#assist").get_by_role("button", name=unit.short_name)
    suggestion.wait_for()
    assert "办理答复" in desk.locator("#assist").inner_text()
    assert "15个工作日" in desk.locator("#assist").inner_text()
    desk.keyboard.press("Alt+U")
    assert desk.locator("#id_unit").evaluate("el => el === document.activeElement")
    desk.keyboard.type(unit.code)
    shot(desk, "desk_filled")
    desk.keyboard.press("Control+Enter")
    desk.wait_for_selector(".messages")
    expect(desk.locator(".messages")).to_contain_text("已派往")
    ticket = Ticket.objects.get()
    assert ticket.state == "dispatched" and ticket.area is not None
    shot(desk, "desk_saved")

    # 2. The unit clerk signs for it, contacts the citizen and replies.
    clerk = open_as(browser, live_server, "handler1")
    clerk.goto(f"{live_server.url}/unit/")
    shot(clerk, "unit_inbox")
    clerk.get_by_role("link", name=ticket.number).click()
    expect_state(clerk, "已派单")
    assert "13900001111" in clerk.content()  # not the unit complained about: identity shown
    clerk.locator("#act-sign").get_by_role("button", name="签收").click()
    expect_state(clerk, "已签收")
    clerk.locator("#act-contact textarea").fill("已电话联系王女士，约定明日上门查看")
    clerk.locator("#act-contact").get_by_role("button", name="先行联系").click()
    expect_state(clerk, "办理中")
    reply = clerk.locator("#act-reply")
    reply.locator("textarea").fill("已联系维保单位更换电梯控制板，电梯恢复运行")
    reply.locator("select").select_option("satisfied")
    shot(clerk, "ticket_unit_reply", full_page=True)
    reply.get_by_role("button", name="答复").click()
    expect_state(clerk, "已答复待回访")

    # 3. The callback agent records "dissatisfied".
    caller = open_as(browser, live_server, "callback")
    caller.goto(f"{live_server.url}/callbacks/")
    row = caller.locator("tr", has_text=ticket.number)
    result = row.locator("select[name='callback-result']")
    assert result.input_value() == ""  # issue 13: no result is pre-selected
    result.select_option("dissatisfied")
    row.locator("select[name='callback-solved']").select_option("no")
    row.locator("select[name='callback-contacted_in_time']").select_option("yes")
    row.locator("input[name='callback-note']").fill("电梯仍时常停运")
    shot(caller, "callbacks")
    row.get_by_role("button", name="记录").click()
    caller.wait_for_selector(".messages")
    ticket.refresh_from_db()
    assert ticket.state == "dissatisfied"

    # 4. Quality inspection sends it back to the unit as a redo.
    qc = open_as(browser, live_server, "inspector")
    qc.goto(f"{live_server.url}/callbacks/")
    dissatisfied = qc.locator("#dissatisfied tr", has_text=ticket.number)
    assert "电梯仍时常停运" in dissatisfied.inner_text()
    dissatisfied.locator("input[name='redo-note']").fill("请彻底检修")
    dissatisfied.get_by_role("button", name="重办").click()
    qc.wait_for_selector(".messages")
    qc.goto(f"{live_server.url}/tickets/{ticket.number}/")
    expect_state(qc, "已派单")
    assert "重办" in qc.locator(".timeline").inner_text()

    # 5. The unit replies again.
    clerk.goto(f"{live_server.url}/tickets/{ticket.number}/")
    clerk.locator("#act-sign").get_by_role("button", name="签收").click()
    reply = clerk.locator("#act-reply")
    reply.locator("textarea").fill("已更换整套电梯控制系统并验收")
    reply.get_by_role("button", name="答复").click()
    expect_state(clerk, "已答复待回访")

    # 6. The callback finds the citizen satisfied; the ticket is closed.
    caller.goto(f"{live_server.url}/callbacks/")
    row = caller.locator("tr", has_text=ticket.number)
    row.locator("select[name='callback-result']").select_option("satisfied")
    row.locator("select[name='callback-solved']").select_option("yes")
    row.locator("select[name='callback-contacted_in_time']").select_option("yes")
    row.get_by_role("button", name="记录").click()
    caller.wait_for_selector(".messages")
    caller.goto(f"{live_server.url}/tickets/{ticket.number}/")
    expect_state(caller, "已回访")
    caller.locator("#act-close").evaluate("el => { el.open = true; }")
    caller.locator("#act-close").get_by_role("button", name="办结").click()
    expect_state(caller, "已办结")
    timeline = caller.locator(".timeline").inner_text()
    for step in ("登记", "派单", "签收", "先行联系", "答复", "回访", "重办", "办结"):
        assert step in timeline
    shot(caller, "ticket_closed", full_page=True)


@pytest.mark.req("SCOPE-2")
def test_a_not_accepted_emergency_call_shows_the_110_referral(open_as, browser, live_server, agent):
    desk = open_as(browser, live_server, "agent")
    desk.goto(f"{live_server.url}/desk/")
    desk.keyboard.type("13900009999")
    desk.keyboard.press("Alt+C")
    desk.keyboard.type("家门口有人打架，有人受伤")
    desk.locator("#id_urgent").check()
    desk.keyboard.press("Alt+N")
    assert desk.locator("#id_reject_reason").evaluate("el => el === document.activeElement")
    assert desk.locator("#referral").is_hidden()
    desk.locator("#id_reject_reason").select_option("emergency")
    referral = desk.locator("#referral")
    assert referral.is_visible()
    assert "110" in referral.inner_text() and "120" in referral.inner_text()
    shot(desk, "desk_referral")
    desk.keyboard.press("Control+Enter")
    desk.wait_for_selector(".messages")
    expect(desk.locator(".messages")).to_contain_text("110")
    assert Ticket.objects.get().state == "not_accepted"


@pytest.mark.req("PRIVACY-2")
def test_a_unit_clerk_opening_another_units_ticket_gets_403(
    open_as, browser, live_server, agent, unit, other_unit, outsider
):
    ticket = svc.ticket_register(
        actor=agent,
        channel="phone",
        category="complaint",
        content="楼下餐馆油烟扰民",
        citizen_phone="13900003333",
    )
    svc.ticket_dispatch(actor=agent, ticket=ticket, unit_code=unit.code)
    page = open_as(browser, live_server, "handler3")
    response = page.goto(f"{live_server.url}/tickets/{ticket.number}/")
    assert response.status == 403
    assert "无权访问" in page.locator("h1").inner_text()
    assert "13900003333" not in page.content()
    shot(page, "forbidden_403")


@pytest.mark.req("PRIVACY-2")
def test_the_ticket_page_hides_the_complainant_and_their_files_from_the_unit(
    open_as, browser, live_server, agent, unit, unit_officer, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from hotline.tickets.attachments import attachment_add

    settings.MEDIA_ROOT = tmp_path / "media"
    ordinary = svc.ticket_register(
        actor=agent,
        channel="phone",
        category="consultation",
        content="咨询垃圾分类时间",
        citizen_phone="13900000033",
        citizen_name="王某明",
    )
    complaint = svc.ticket_register(
        actor=agent,
        channel="phone",
        category="complaint",
        content="投诉住建局窗口人员态度恶劣",
        citizen_phone="13900000033",
        citizen_name="王某明",
        complained_unit_code=unit.code,
        related=[ordinary.number],
    )
    upload = SimpleUploadedFile("王某身份证.pdf", b"%PDF-1.4 x", content_type="application/pdf")
    attachment_add(actor=agent, ticket=complaint, upload=upload)
    for ticket in (ordinary, complaint):
        svc.ticket_dispatch(actor=agent, ticket=ticket, unit_code=unit.code)
    page = open_as(browser, live_server, unit_officer.username)
    page.goto(f"{live_server.url}/tickets/{complaint.number}/")
    expect(page.get_by_text("对贵单位保密", exact=True)).to_be_visible()
    html = page.content()
    for secret in ("13900000033", "王某明", "王某身份证.pdf", ordinary.number):
        assert secret not in html
    shot(page, "ticket_hidden_from_unit", full_page=True)
    page.goto(f"{live_server.url}/tickets/{ordinary.number}/")
    expect(page.get_by_text("王某明 · 13900000033")).to_be_visible()
    assert complaint.number not in page.content()
    centre = open_as(browser, live_server, agent.username)
    centre.goto(f"{live_server.url}/tickets/{complaint.number}/")
    expect(centre.get_by_role("link", name="王某身份证.pdf")).to_be_visible()
    expect(centre.locator(".timeline").get_by_text("王某身份证.pdf")).to_be_visible()


def test_the_screens_of_each_role(
    open_as,
    browser,
    live_server,
    district,
    unit,
    agent,
    reviewer,
    supervisor,
    centre_admin,
    unit_officer,
    callback_agent,
):
    """Each screen renders for its role at 1366 and 1920 wide (screenshots for the review)."""
    now = timezone.now()
    for i, text in enumerate(["电梯异响", "电梯停运", "物业不修电梯"]):
        ticket = svc.ticket_register(
            actor=agent,
            channel="phone",
            category="complaint",
            content=text,
            citizen_phone=f"1390000{i:04d}",
            now=now - timedelta(days=30 * i),
        )
        svc.ticket_dispatch(
            actor=agent, ticket=ticket, unit_code=unit.code, now=now - timedelta(days=30 * i)
        )
    returned = svc.ticket_register(
        actor=agent,
        channel="phone",
        category="help",
        content="停水三天",
        citizen_phone="13911112222",
    )
    svc.ticket_dispatch(actor=agent, ticket=returned, unit_code=unit.code)
    svc.ticket_return(
        actor=unit_officer, ticket=returned, reason="供水不属本局职责", basis="区住建局权责清单"
    )
    svc.ticket_register(
        actor=agent,
        channel="phone",
        category="help",
        content="咨询路灯维修",
        citizen_phone="13900000139",
    )
    UserFactory(username="boss1920", unit=centre_admin.unit, roles=["supervisor"])
    screens = [
        ("reviewer", "/queue/dispatch/", "dispatch_queue", "供水不属本局职责"),
        ("supervisor", "/board/", "board", "超时"),
        ("supervisor", "/tickets/", "ticket_list", "电梯"),
        ("centreadmin", "/manage/", "manage", "用户与角色"),
        ("handler1", "/unit/", "unit_inbox_lights", "超时"),
        ("agent", "/home/agent/", "home_agent_todo", "待派单"),
        ("handler1", "/home/unit_handler/", "home_unit_handler_todo", "待签收"),
        ("supervisor", "/home/supervisor/", "home_supervisor_todo", "超时工单"),
    ]
    for username, path, name, expected in screens:
        page = open_as(browser, live_server, username)
        page.goto(f"{live_server.url}{path}")
        assert expected in page.locator("main").inner_text(), name
        shot(page, name)
    wide = open_as(browser, live_server, "boss1920", width=1920)
    wide.goto(f"{live_server.url}/board/")
    shot(wide, "board_1920")
    desk = open_as(browser, live_server, "agent", width=1920)
    desk.goto(f"{live_server.url}/desk/")
    desk.keyboard.type("13900000001")
    desk.locator("#caller .repeat").wait_for()
    assert "重复来电" in desk.locator("#caller").inner_text()
    shot(desk, "desk_repeat_caller_1920")
