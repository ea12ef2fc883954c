"""Centre quality in a real browser: an inspector scores a sampled ticket and the agent sees
the score (STATS-5); a number is flagged, confirmed, and the workstation shows the centre's
rule while the urgent call is still registered (INTAKE-7)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from playwright.sync_api import expect

from hotline.quality import services as qsvc
from hotline.quality.models import CallerFlag, Review, SampledTicket
from hotline.tickets import services as svc
from hotline.tickets.models import Ticket
from tests.factories import TEST_PASSWORD

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


@pytest.mark.req("STATS-5")
def test_an_inspector_scores_a_sampled_ticket_and_the_agent_sees_it(
    browser, live_server, agent, inspector
):
    from tests.quality.helpers import register

    for day in (3, 4):
        register(agent, when=f"2026-10-{day:02d} 09:00")
    qsvc.sample_draw(month=date(2026, 10, 1), per_agent=1, seed=9)
    sample = SampledTicket.objects.get()
    contexts: list[Any] = []
    try:
        checker = sign_in(browser, live_server, inspector.username, contexts)
        checker.get_by_role("link", name="话务质检").first.click()
        checker.get_by_label("月份").first.fill("2026-10")
        checker.get_by_role("button", name="显示").first.click()
        checker.locator(f"#sample-{sample.pk}").get_by_role("link", name="评分").click()
        for label, value in (("服务态度", "5"), ("答复准确性", "4"), ("分类与派单", "5")):
            checker.get_by_label(f"评分（{label}）").select_option(value)
        checker.get_by_label("备注（答复准确性）").fill("未说明办理时限")
        checker.get_by_role("button", name="保存评分").click()
        expect(checker.locator(".error")).to_contain_text("请为每一项评分")
        checker.get_by_label("评分（记录完整性）").select_option("4")
        checker.get_by_role("button", name="保存评分").click()
        expect(checker.locator(".messages")).to_contain_text("评分已保存")
        expect(checker.locator(f"#agent-{agent.username}")).to_contain_text("90.0")
        assert Review.objects.get().notes == {"accuracy": "未说明办理时限"}

        own = sign_in(browser, live_server, agent.username, contexts)
        own.goto(f"{live_server.url}/quality/?month=2026-10")
        expect(own.locator("h2").first).to_contain_text("我的质检得分")
        expect(own.locator(f"#agent-{agent.username}")).to_contain_text("90.0")
    finally:
        for context in contexts:
            context.close()


@pytest.mark.req("INTAKE-7")
def test_a_flagged_number_shows_the_rule_and_the_urgent_call_is_still_registered(
    browser, live_server, agent, supervisor
):
    phone = "13900006666"
    earlier = svc.ticket_register(
        actor=agent, channel="phone", category="help", content="反复来电辱骂", citizen_phone=phone
    )
    contexts: list[Any] = []
    try:
        desk = sign_in(browser, live_server, agent.username, contexts)
        desk.get_by_role("link", name="恶意来电").first.click()
        desk.get_by_label("电话号码").fill(phone)
        desk.locator("#fl-reason").select_option("abuse")
        desk.get_by_label("佐证工单（工单编号，用逗号分隔）").fill(earlier.number)
        desk.locator("#fl-note").fill("通话中多次辱骂接线员")
        desk.get_by_role("button", name="提交标记").click()
        expect(desk.locator(".messages")).to_contain_text("待督办人员审核")
        expect(desk.locator("table.caller-flags")).to_contain_text("139****6666")
        flag = CallerFlag.objects.get()

        boss = sign_in(browser, live_server, supervisor.username, contexts)
        boss.goto(f"{live_server.url}/quality/flags/{flag.pk}/")
        expect(boss.locator("h1")).to_contain_text(phone)
        boss.get_by_label("审核意见").fill("录音核实属实")
        boss.get_by_role("button", name="认定").click()
        expect(boss.locator(".messages")).to_contain_text("已认定该标记")

        desk.goto(f"{live_server.url}/desk/")
        desk.locator("#id_phone").fill(phone)
        expect(desk.locator("#flag-warning")).to_contain_text("恶意来电")
        expect(desk.locator("#flag-warning")).to_contain_text("不影响受理登记")
        desk.locator("#id_content").fill("家中老人突发疾病需要社区协助送医")
        desk.locator("#id_category").select_option("help")
        desk.locator("#id_urgent").check()
        desk.locator("#save").click()
        desk.wait_for_selector(".messages")
        assert Ticket.objects.filter(citizen__phone=phone, urgent=True).count() == 1
    finally:
        for context in contexts:
            context.close()
