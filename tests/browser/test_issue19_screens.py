"""Issue 19 in a real Chromium at 1366×768: the workstation's side panel with a long request,
the phone field, the contacts of one number, the ticket list's filters and a closed ticket."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from hotline.tickets import services as svc
from hotline.tickets.models import Ticket
from tests.factories import TEST_PASSWORD, AreaFactory, ResponsibilityItemFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def shot(page: Any, name: str, *, full_page: bool = False) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"issue19_{name}.png"), full_page=full_page)


@pytest.fixture
def open_as(browser: Any, live_server: Any) -> Any:
    contexts: list[Any] = []

    def opener(username: str) -> Any:
        context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
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
        for open_page in context.pages:
            open_page.wait_for_load_state("networkidle")
        context.close()


@pytest.fixture
def district(centre, unit, other_unit):
    area = AreaFactory(code="LX01", name="东门街道", kind="subdistrict", aliases=["东门"])
    ResponsibilityItemFactory(
        unit=unit, matter="住宅电梯安全监管", keywords=["电梯"], ticket_types=["complaint"]
    )
    return area


def test_the_side_panel_follows_a_long_request_as_it_is_typed(
    open_as, live_server, district, agent
):
    """Item 1: 600+ characters, no blur: the panel refreshes (POST); a failed refresh says so
    and leaves no stale limit; item 7: it refreshes as the agent types."""
    desk = open_as("agent")
    desk.goto(f"{live_server.url}/desk/")
    assist = desk.locator("#assist")
    desk.locator("#id_category").select_option("consultation")
    expect(assist).to_contain_text("2个工作日")
    desk.locator("#id_content").click()
    long_text = "东门小区3幢电梯坏了一周没人修，老人无法下楼，" * 25
    assert len(long_text) > 500
    desk.keyboard.insert_text(long_text)
    desk.keyboard.type("电梯")  # typing, the field keeps the focus: no change event
    assert desk.locator("#id_content").evaluate("el => el === document.activeElement")
    desk.locator("#id_category").select_option("complaint")
    expect(assist).to_contain_text("15个工作日")
    expect(assist).not_to_contain_text("暂无建议")
    shot(desk, "desk_long_request")

    # A refresh that fails says so, and the previous limits disappear.
    desk.route("**/desk/assist/", lambda route: route.fulfill(status=500, body="boom"))
    desk.locator("#id_category").select_option("consultation")
    expect(assist).to_contain_text("未能刷新")
    expect(assist).not_to_contain_text("工作日")
    shot(desk, "desk_assist_failed")


def test_the_phone_field_says_what_is_wrong_and_a_withheld_number_is_recorded(
    open_as, live_server, district, agent
):
    """Item 2: a bad number is refused next to the field; a withheld one is saved as such."""
    desk = open_as("agent")
    desk.goto(f"{live_server.url}/desk/")
    desk.locator("#id_phone").fill("1380013800")
    desk.locator("#id_content").fill("路灯不亮")
    desk.locator("#save").click()
    error = desk.locator("#phone-error")
    expect(error).to_contain_text("11 位")
    # Both boxes measured at once: the desk's live panels may move the form between two reads.
    gap = desk.evaluate(
        """() => document.querySelector('#phone-error').getBoundingClientRect().top
                 - document.querySelector('#id_phone').getBoundingClientRect().bottom"""
    )
    assert 0 <= gap < 40
    shot(desk, "desk_bad_phone")
    assert not Ticket.objects.exists()
    desk.locator("#id_phone").fill("")
    desk.get_by_label("来电人未提供号码").check()
    desk.locator("#save").click()
    expect(desk.locator(".messages")).to_contain_text("已登记")
    desk.wait_for_load_state("networkidle")  # the new desk's panels answer before we leave
    ticket = Ticket.objects.get()
    desk.goto(f"{live_server.url}/tickets/{ticket.number}/")
    expect(desk.locator("main")).to_contain_text("未提供号码")


def test_an_agent_picks_or_adds_the_contact_who_calls(open_as, live_server, district, agent):
    """Item 3: the panel lists the contacts of the number; the ticket names who called."""
    for name in ("张先生", "李女士"):
        svc.ticket_register(
            actor=agent,
            channel="phone",
            category="help",
            content="咨询",
            citizen_phone="13800138000",
            citizen_name=name,
        )
    desk = open_as("agent")
    desk.goto(f"{live_server.url}/desk/")
    desk.locator("#id_phone").fill("138 0013 8000")
    caller = desk.locator("#caller")
    expect(caller).to_contain_text("2 位联系人")
    caller.locator(".citizen", has_text="李女士").get_by_role("button", name="本次来电人").click()
    assert desk.locator("#id_name").input_value() == "李女士"
    shot(desk, "desk_contacts")
    desk.locator("#id_content").fill("路灯不亮")
    desk.locator("#save").click()
    expect(desk.locator(".messages")).to_contain_text("已登记")
    assert Ticket.objects.order_by("-id").first().citizen.name == "李女士"


def test_the_ticket_list_filters_by_choice_type_ahead_dates_and_saved_filters(
    open_as, live_server, district, agent, unit
):
    """Item 6: states as a choice, the unit by name, a date range, a saved filter."""
    ticket = svc.ticket_register(
        actor=agent,
        channel="phone",
        category="complaint",
        content="电梯坏了",
        citizen_phone="13900003333",
    )
    svc.ticket_dispatch(actor=agent, ticket=ticket, unit_code=unit.code)
    waiting = svc.ticket_register(
        actor=agent,
        channel="phone",
        category="help",
        content="路灯不亮",
        citizen_phone="13900004444",
    )
    page = open_as("agent")
    page.goto(f"{live_server.url}/tickets/")
    form = page.locator("#ticket-filters")
    form.get_by_label("状态").select_option(label="已派单")
    options = page.locator("#filter-units option").evaluate_all("os => os.map(o => o.value)")
    assert f"{unit.name}（{unit.code}）" in options
    form.get_by_label("单位").fill(f"{unit.name}（{unit.code}）")
    today = timezone.localdate().isoformat()
    form.get_by_label("登记日期自").fill(today)
    form.get_by_role("button", name="筛选").click()
    expect(page.locator("main")).to_contain_text(ticket.number)
    expect(page.locator("main")).not_to_contain_text(waiting.number)
    page.get_by_label("筛选名称").fill("本单位已派单")
    page.get_by_role("button", name="保存此筛选").click()
    expect(page.locator(".saved-filters")).to_contain_text("本单位已派单")
    shot(page, "ticket_list_filters")
    page.goto(f"{live_server.url}/tickets/")
    page.locator(".saved-filters").get_by_role("link", name="本单位已派单").click()
    expect(page.locator("main")).not_to_contain_text(waiting.number)
    assert page.locator("#ticket-filters select[name=state]").input_value() == "dispatched"


def test_a_closed_ticket_shows_its_deadlines_in_order_and_no_upload_form(
    open_as, live_server, district, agent, unit
):
    """Item 6: clocks in the order they run; a closed ticket offers no upload form."""
    ticket = svc.ticket_register(
        actor=agent,
        channel="phone",
        category="complaint",
        content="电梯坏了",
        citizen_phone="13900003333",
    )
    svc.ticket_dispatch(actor=agent, ticket=ticket, unit_code=unit.code)
    page = open_as("agent")
    page.goto(f"{live_server.url}/tickets/{ticket.number}/")
    cells = page.locator("section[aria-labelledby=deadlines-h] tbody tr td:first-child")
    labels = [c.strip() for c in cells.all_inner_texts()]
    order = [
        next(i for i, text in enumerate(labels) if text.startswith(x))
        for x in ("签收", "先行联系", "办理答复")
    ]
    assert order == sorted(order), labels
    assert all(unit.code not in text for text in labels)  # item 4: names, not codes
    shot(page, "ticket_deadlines", full_page=True)
    closed = svc.ticket_register(
        actor=agent,
        channel="phone",
        category="help",
        content="咨询路灯维修",
        citizen_phone="13900005555",
    )
    svc.ticket_answer(actor=agent, ticket=closed, content="已告知维修电话")
    svc.ticket_close(actor=agent, ticket=closed)
    page.goto(f"{live_server.url}/tickets/{closed.number}/")
    expect(page.locator("#files-shut")).to_be_visible()
    expect(page.locator("form.upload")).to_have_count(0)
    shot(page, "ticket_closed", full_page=True)


def test_the_small_things_a_first_day_user_meets(open_as, live_server, district, agent, page):
    """Item 7: a favicon, a login page that says what this is and whom to ask, an area
    field that shows a community's whole name."""
    AreaFactory(code="LX0101", name="东门社区", kind="community", parent=district)
    page.goto(f"{live_server.url}/login/")
    expect(page.locator("#login-about")).to_contain_text("工单平台")
    expect(page.locator("#login-help")).to_contain_text("管理员")
    shot(page, "login")
    icon = page.request.get(f"{live_server.url}/favicon.ico")
    assert icon.status == 200 and icon.headers["content-type"].startswith("image/")
    desk = open_as("agent")
    desk.goto(f"{live_server.url}/desk/")
    area = desk.locator("#id_area")
    area.fill("东门街道 东门社区（LX0101）")
    assert area.evaluate("el => el.scrollWidth <= el.clientWidth"), "the area is cut off"
    shot(desk, "desk_area")


def test_the_screens_in_both_languages_show_names_not_codes(
    open_as, live_server, district, agent, unit
):
    """Item 4: English reads English (states, timeline, deadlines, limits); Chinese shows
    names, never the profile's or units' codes; item 7: the home page shows the day's work."""
    import re

    cjk = re.compile(r"[\u3400-\u9fff]")
    ticket = svc.ticket_register(
        actor=agent,
        channel="phone",
        category="complaint",
        content="电梯坏了",
        citizen_phone="13900003333",
        citizen_name="王女士",
    )
    svc.ticket_dispatch(actor=agent, ticket=ticket, unit_code=unit.code)
    page = open_as("agent")
    home = page.locator("main")
    expect(home.locator("#today")).to_contain_text(ticket.number)
    expect(home.locator("#day-calls_today")).to_contain_text("我今天受理的来电")
    expect(home).not_to_contain_text("national-12345")
    shot(page, "home_zh", full_page=True)
    page.goto(f"{live_server.url}/tickets/")
    expect(page.locator("table.tickets")).to_contain_text(unit.short_name or unit.name)
    expect(page.locator("table.tickets")).not_to_contain_text(unit.code)
    page.goto(f"{live_server.url}/tickets/{ticket.number}/")
    expect(page.locator("#state")).to_have_text("已派单")
    timeline_zh = page.locator("section[aria-labelledby=timeline-h]")
    expect(timeline_zh).to_contain_text(unit.name)
    expect(timeline_zh).not_to_contain_text(unit.code)
    shot(page, "ticket_zh", full_page=True)

    with page.expect_navigation():
        page.locator("#lang-select").select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#state")).to_have_text("Dispatched")
    expect(page.locator(".next-due")).to_contain_text("Sign-for")
    deadlines = page.locator("section[aria-labelledby=deadlines-h] tbody tr td:first-child")
    for text in deadlines.all_inner_texts():
        label = text.replace(unit.name, "").strip()
        assert not cjk.search(label), text
    timeline = page.locator("section[aria-labelledby=timeline-h] strong").all_inner_texts()
    assert timeline and not [t for t in timeline if cjk.search(t)], timeline
    shot(page, "ticket_en", full_page=True)
    page.goto(f"{live_server.url}/desk/")
    page.locator("#id_category").select_option("complaint")
    expect(page.locator("#assist")).to_contain_text("15 working days")
    expect(page.locator("#assist table")).not_to_contain_text("工作日")
    shot(page, "desk_en")
    page.goto(f"{live_server.url}/tickets/")
    options = page.locator("#ticket-filters select[name=state] option").all_inner_texts()
    assert "Dispatched" in options and not [o for o in options if cjk.search(o)]
    shot(page, "ticket_list_en")
    page.goto(f"{live_server.url}/home/agent/")
    expect(page.locator("#today")).to_contain_text("My calls today")
    shot(page, "home_en", full_page=True)


def test_the_knowledge_article_page_is_laid_out_in_cards(
    open_as, live_server, agent, unit_officer, unit_admin, reviewer
):
    """Item 5: cards, the comment box beside its buttons only, no empty rows."""
    from hotline.knowledge import services as kb

    article = kb.article_create(
        actor=unit_officer,
        unit=unit_officer.unit,
        data=kb.ArticleInput(title="路灯不亮报修", answer="市政道路路灯不亮请拨打12345。"),
    )
    kb.article_submit(actor=unit_admin, article=article)
    page = open_as("agent")
    page.goto(f"{live_server.url}/knowledge/{article.pk}/")
    expect(page.locator("#article-actions")).to_have_count(0)
    expect(page.locator("main")).not_to_contain_text("有效期")
    shot(page, "kb_article_agent", full_page=True)
    review = open_as(reviewer.username)
    review.goto(f"{live_server.url}/knowledge/{article.pk}/")
    actions = review.locator("#article-actions")
    expect(actions.get_by_label("意见")).to_be_visible()
    expect(actions.get_by_role("button", name="审核通过")).to_be_visible()
    shot(review, "kb_article_reviewer", full_page=True)
