"""The citizen portal on a phone's screen, and the ringing call popping on the desk (issue 15)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from hotline.accounts.models import ApiToken
from hotline.notifications.models import OutboxMessage
from hotline.tickets.models import Ticket
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = "13900009999"


@pytest.fixture
def phone_page(browser: Any) -> Any:
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def test_a_citizen_submits_and_follows_a_ticket_on_a_phone(phone_page, live_server, centre):
    page = phone_page
    page.goto(f"{live_server.url}/portal/")
    page.get_by_role("link", name="我要反映诉求").click()
    page.get_by_label("手机号码").fill(PHONE)
    page.get_by_label("诉求内容").fill("公园路灯不亮")
    page.get_by_label("事发地址").fill("滨河公园东门")
    page.get_by_role("button", name="获取验证码").click()
    expect(page.get_by_role("status")).to_contain_text("验证码已发送")
    # Nothing typed was lost on the round trip.
    expect(page.get_by_label("诉求内容")).to_have_value("公园路灯不亮")
    page.get_by_label("短信验证码").fill("000000")
    text = OutboxMessage.objects.get(adapter="sms").payload["text"]
    code = re.search(r"\d{6}", text).group(0)
    if code == "000000":
        page.get_by_label("短信验证码").fill("111111")
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_role("alert")).to_contain_text("验证码不正确")
    expect(page.get_by_label("事发地址")).to_have_value("滨河公园东门")
    page.get_by_label("短信验证码").fill(code)
    page.get_by_role("button", name="提交").click()
    number = page.locator("#ticket-number").inner_text()
    query = page.locator("#query-code").inner_text()
    assert Ticket.objects.get(number=number).channel == "web"
    # The page fits the phone's width: nothing scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_role("link", name="查询进度").last.click()
    page.get_by_label("工单号").fill(number)
    page.get_by_label("查询码").fill(query)
    page.get_by_role("button", name="查询").click()
    expect(page.locator("h1")).to_have_text(f"工单 {number}")
    expect(page.locator(".portal-timeline")).to_contain_text("您的诉求已受理登记")


def test_a_ringing_call_opens_the_callers_record_on_the_desk(browser, live_server, centre):
    agent = UserFactory(username="agent7", unit=centre, roles=["agent"])
    token = ApiToken.issue(user=agent, name="pbx")[1]
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("用户名").fill("agent7")
    page.get_by_label("密码").fill(TEST_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/home/**")
    page.goto(f"{live_server.url}/desk/")
    # The telephony system calls the running server, as it would in production.
    response = page.request.post(
        f"{live_server.url}/api/v1/calls/ringing",
        data={"number": "13900001234", "agent": "agent7"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status == 201
    # Within about a second, with no click: the number is in, the caller panel has loaded.
    expect(page.locator("#id_phone")).to_have_value("13900001234", timeout=3000)
    expect(page.locator("#ringing")).to_contain_text("来电")
    expect(page.locator("#caller")).not_to_be_empty(timeout=3000)
    context.close()
