"""Supervision in a real browser (issue 13): a supervisor opens an order from the ticket page's
link, the unit answers its order and its reminder notice, the supervisor closes the order."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from hotline.supervision.models import Reminder, SupervisionOrder
from hotline.supervision.services import reminders_issue
from hotline.tickets import services as svc
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(browser: Any, live_server: Any, username: str, contexts: list[Any]) -> Any:
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


@pytest.mark.req("SUPERVISE-1", "SUPERVISE-2", "SUPERVISE-3")
def test_an_order_and_a_reminder_run_through_the_pages(
    browser, live_server, settings, centre, unit, supervisor, unit_officer
):
    settings.HOTLINE_PROFILE = "qilihe-96881"
    agent = UserFactory(username="agent", unit=centre, roles=["agent", "reviewer"])
    ticket = svc.ticket_register(
        actor=agent,
        channel="phone",
        category="complaint",
        content="小区旁工地夜间施工噪音扰民",
        citizen_phone="13900007777",
    )
    svc.ticket_dispatch(actor=agent, ticket=ticket, unit_code=unit.code)
    reply = ticket.deadlines.get(kind="reply")
    reminders_issue(now=reply.due_at + timedelta(hours=1))
    contexts: list[Any] = []
    try:
        boss = sign_in(browser, live_server, supervisor.username, contexts)
        boss.goto(f"{live_server.url}/tickets/{ticket.number}/")
        boss.get_by_role("link", name="督办单").last.click()
        expect(boss.get_by_label("工单编号")).to_have_value(ticket.number)
        boss.get_by_label("督办方式").select_option("written")
        boss.locator("#o-reason").fill("办理程序存在瑕疵")
        boss.get_by_role("button", name="开具督办单").click()
        expect(boss.locator(".messages")).to_contain_text("已对工单")
        order = SupervisionOrder.objects.get()

        handler = sign_in(browser, live_server, unit_officer.username, contexts)
        handler.goto(f"{live_server.url}/supervision/")
        handler.get_by_label("书面说明").fill("已约谈施工方，夜间停工")
        handler.get_by_role("button", name="提交书面说明").click()
        expect(handler.locator(".messages")).to_contain_text("书面说明已提交")
        handler.get_by_label("超期理由").fill("待区住建局批复")
        handler.get_by_role("button", name="报告理由").click()
        expect(handler.locator(".messages")).to_contain_text("不再继续催办")
        assert Reminder.objects.get().reason == "待区住建局批复"

        boss.goto(f"{live_server.url}/supervision/")
        expect(boss.locator(f"#order-{order.pk}")).to_contain_text("已约谈施工方")
        boss.get_by_label("督办结论").fill("整改到位")
        boss.get_by_role("button", name="结束").click()
        expect(boss.locator(".messages")).to_contain_text("督办单已结束")
        order.refresh_from_db()
        assert order.state == "closed"
    finally:
        for context in contexts:
            context.close()
