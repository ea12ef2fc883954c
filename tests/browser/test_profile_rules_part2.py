"""Issue 12 part 2 in a real browser: an urgent ticket dispatched with an assisting unit under
the Shanghai profile; the liaison prompt and its call; the assisting unit's inbox, sign-for and
contribution; the lead's reply waiting for it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from hotline.tickets import services as svc
from hotline.tickets.models import Ticket
from tests.factories import TEST_PASSWORD, LiaisonFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


@pytest.fixture
def open_as(browser: Any, live_server: Any) -> Any:
    contexts: list[Any] = []

    def opener(username: str) -> Any:
        context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
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


def act(page: Any, action: str) -> Any:
    """Open the action's form on the ticket page and return it."""
    box = page.locator(f"#act-{action}")
    if box.get_attribute("open") is None:
        box.locator("summary").click()
    return box


@pytest.mark.req("DISPATCH-3")
@pytest.mark.req("DISPATCH-4")
def test_an_urgent_ticket_with_an_assisting_unit_in_the_browser(
    open_as, live_server, settings, agent, unit, other_unit, unit_officer, outsider
):
    settings.HOTLINE_PROFILE = "shanghai-962200"
    LiaisonFactory(unit=unit, name="周联络", phone="13800009999", position="办公室主任")
    ticket = svc.ticket_register(
        actor=agent,
        channel="phone",
        category="complaint",
        content="小区燃气管道异味，疑似泄漏",
        citizen_phone="13900003333",
        urgent=True,
    )
    url = f"{live_server.url}/tickets/{ticket.number}/"

    # 1. The agent dispatches to a lead unit and an assisting unit; the liaison prompt shows.
    desk = open_as("agent")
    desk.goto(url)
    form = act(desk, "dispatch")
    form.locator("#id_dispatch-unit").fill(unit.code)
    form.locator("#id_dispatch-assisting").fill(other_unit.code)
    form.get_by_role("button", name="派单").click()
    desk.wait_for_selector(".messages")
    prompt = desk.locator("#liaison-prompt")
    expect(prompt).to_contain_text("请立即电话通知承办单位联络人")
    expect(prompt).to_contain_text("周联络")
    expect(prompt).to_contain_text("13800009999")
    expect(desk.locator(".timeline")).to_contain_text("紧急事项已报管理部门")
    SHOTS.mkdir(parents=True, exist_ok=True)
    desk.screenshot(path=str(SHOTS / "urgent_liaison_prompt.png"), full_page=True)
    call = act(desk, "liaison_call")
    call.locator("#id_liaison_call-note").fill("已告知，马上派人")
    call.get_by_role("button", name="电话通知联络人").click()
    desk.wait_for_selector(".messages")
    expect(desk.locator("#liaison-prompt")).to_have_count(0)

    # 2. The lead signs; its reply waits for the assisting unit.
    lead = open_as("handler1")
    lead.goto(url)
    act(lead, "sign").get_by_role("button", name="签收").click()
    lead.wait_for_selector(".messages")
    expect(lead.locator("#reply-waits")).to_contain_text(other_unit.name)
    expect(lead.locator("#act-reply")).to_have_count(0)

    # 3. The assisting unit finds it in its inbox, signs and sends its contribution.
    helper = open_as("handler3")
    helper.goto(f"{live_server.url}/unit/?state=assisting")
    row = helper.locator("table.tickets tbody tr", has_text=ticket.number)
    expect(row).to_contain_text("协办")
    row.get_by_role("link", name=ticket.number).click()
    act(helper, "assist_sign").get_by_role("button", name="协办签收").click()
    helper.wait_for_selector(".messages")
    box = act(helper, "assist_submit")
    box.locator("#id_assist_submit-content").fill("燃气管网已排查，阀门已更换")
    box.get_by_role("button", name="提交协办意见").click()
    helper.wait_for_selector(".messages")
    helper.screenshot(path=str(SHOTS / "assist_contribution.png"), full_page=True)

    # 4. The lead sees the contribution and may reply now.
    lead.goto(url)
    expect(lead.locator(".ticket-main")).to_contain_text("燃气管网已排查")
    expect(lead.locator("#reply-waits")).to_have_count(0)
    expect(lead.locator("#act-reply")).to_have_count(1)
    assert Ticket.objects.get(pk=ticket.pk).assignments.get(role="assist").contributed_at
