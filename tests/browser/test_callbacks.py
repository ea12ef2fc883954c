"""Callbacks and quality inspection in a real browser (issue 13): the callback agent records a
satisfied callback from the queue (nothing pre-selected), the inspector decides an inspection."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from hotline.callbacks.models import Inspection
from hotline.tickets import services as svc
from hotline.tickets.models import Ticket
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


def _replied(centre: Any, unit: Any, officer: Any) -> Ticket:
    agent = UserFactory(username="agent", unit=centre, roles=["agent", "reviewer"])
    ticket = svc.ticket_register(
        actor=agent,
        channel="phone",
        category="complaint",
        content="小区旁工地夜间施工噪音扰民",
        citizen_phone="13900007777",
    )
    svc.ticket_review(actor=agent, ticket=ticket)
    svc.ticket_dispatch(actor=agent, ticket=ticket, unit_code=unit.code)
    svc.ticket_sign(actor=officer, ticket=ticket)
    svc.ticket_reply(actor=officer, ticket=ticket, content="已责令夜间停工")
    return ticket


@pytest.mark.req("CALLBACK-1", "CALLBACK-2")
def test_a_callback_from_the_queue_closes_a_satisfied_ticket(
    browser, live_server, settings, centre, unit, unit_officer, callback_agent
):
    settings.HOTLINE_PROFILE = "tianjin-88908890"
    ticket = _replied(centre, unit, unit_officer)
    contexts: list[Any] = []
    try:
        caller = sign_in(browser, live_server, callback_agent.username, contexts)
        caller.get_by_role("navigation", name="主导航").get_by_role("link", name="回访").click()
        row = caller.locator("tr", has_text=ticket.number)
        expect(row).to_contain_text("逐件回访")
        result = row.locator("select[name='callback-result']")
        assert result.input_value() == ""  # no result pre-selected
        result.select_option("satisfied")
        row.locator("select[name='callback-solved']").select_option("yes")
        row.locator("select[name='callback-contacted_in_time']").select_option("yes")
        row.get_by_role("button", name="记录").click()
        expect(caller.locator(".messages")).to_be_visible()
        ticket.refresh_from_db()
        assert ticket.state == "closed"  # Tianjin closes a satisfied callback in the same step
        expect(caller.locator("tr", has_text=ticket.number)).to_have_count(0)
    finally:
        for context in contexts:
            context.close()


@pytest.mark.req("CALLBACK-3")
def test_the_inspector_sends_a_redo_from_the_inspection_page(
    browser, live_server, settings, centre, unit, unit_officer, callback_agent, inspector
):
    settings.HOTLINE_PROFILE = "tianjin-88908890"
    ticket = _replied(centre, unit, unit_officer)
    svc.ticket_callback(
        actor=callback_agent, ticket=ticket, result="dissatisfied", note="夜间仍在施工"
    )
    contexts: list[Any] = []
    try:
        qc = sign_in(browser, live_server, inspector.username, contexts)
        nav = qc.get_by_role("navigation", name="主导航")
        nav.get_by_role("link", name="质检", exact=True).click()
        card = qc.locator("article.inspection", has_text=ticket.number)
        expect(card).to_contain_text("夜间仍在施工")
        card.locator("summary").click()
        expect(card.locator(".timeline")).to_contain_text("答复")
        card.get_by_label("责任认定", exact=True).select_option("unit")
        card.get_by_label("质检结论", exact=True).fill("承办单位未落实夜间停工")
        card.get_by_label("向原承办单位发放重办单").check()
        card.get_by_role("button", name="评定").click()
        expect(qc.locator(".messages")).to_contain_text("已评定")
        ticket.refresh_from_db()
        assert ticket.state == "dispatched"
        assert Inspection.objects.get().unit_fault is True
    finally:
        for context in contexts:
            context.close()
