"""Centre evaluation in a real browser (issue 17): the district opens a round, works through
the stages, scores with a lost point explained, records a deduction and a rectification item;
the centre reports it fixed and the district closes it; the PDF report opens."""

from __future__ import annotations

import os
from typing import Any

import pytest
from playwright.sync_api import expect

from hotline.evaluation.models import Rectification, Round
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: Set to a folder to keep screenshots of the round page (to look at them).
SHOTS = os.environ.get("HOTLINE_SCREENSHOTS", "")


def sign_in(browser: Any, live_server: Any, username: str, contexts: list[Any]) -> Any:
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


@pytest.mark.req("EVAL-1", "EVAL-2", "EVAL-3", "EVAL-4")
def test_a_round_runs_from_study_to_rectification_closed(
    browser, live_server, unit, supervisor, unit_admin
):
    contexts: list[Any] = []
    try:
        boss = sign_in(browser, live_server, supervisor.username, contexts)
        boss.get_by_role("link", name="受理中心评估").click()
        boss.get_by_label("受理中心", exact=True).select_option(unit.code)
        boss.get_by_label("年度", exact=True).fill("2026")
        boss.get_by_label("正式评估日期（已通知的）").fill("2026-06-15")
        boss.get_by_role("button", name="创建评估").click()
        expect(boss.locator(".messages")).to_contain_text("评估已创建")
        rnd = Round.objects.get()
        stages = boss.locator(".evaluation-stages")
        expect(stages).to_contain_text("2026-06-01")  # the mock: two weeks before
        for step in range(1, 6):
            boss.locator(f"#stage-{step}").get_by_role("button", name="标记完成").click()
            expect(boss.locator(".messages")).to_contain_text("阶段已更新")
        boss.get_by_label("得分").nth(2).fill("10.5")  # 1.2 受理大厅 (12 points)
        boss.locator("#why-1\\.2").fill("女卫生间未提供消毒洗手液")
        boss.locator("#ind-1\\.2").get_by_role("button", name="保存评分").click()
        expect(boss.locator(".messages")).to_contain_text("1.2的评分已保存")
        expect(boss.locator(".evaluation-lost")).to_contain_text("女卫生间未提供消毒洗手液")
        boss.locator("#d-kind").select_option("negative_publicity")
        boss.locator("#d-desc").fill("本地论坛负面帖子")
        boss.get_by_role("button", name="记录扣分项").click()
        expect(boss.locator(".messages")).to_contain_text("扣分项已记录")
        expect(boss.locator(".evaluation-subtotals")).to_contain_text("−5")
        boss.locator("#rc-measure").fill("补齐洗手液，纳入每日检查")
        boss.locator("#rc-owner").fill("中心主任")
        boss.locator("#rc-days").fill("5")
        boss.get_by_role("button", name="创建整改事项").click()
        expect(boss.locator(".evaluation-rectification")).to_contain_text("补齐洗手液")
        if SHOTS:
            boss.screenshot(path=os.path.join(SHOTS, "evaluation-round.png"), full_page=True)
        item = Rectification.objects.get()

        centre = sign_in(browser, live_server, unit_admin.username, contexts)
        centre.goto(f"{live_server.url}/evaluation/rounds/{rnd.pk}/")
        centre.locator(f"#done-{item.pk}").fill("已补齐并建立检查表")
        centre.get_by_role("button", name="报告已整改").click()
        expect(centre.locator(".evaluation-rectification")).to_contain_text("已报告整改")

        boss.reload()
        boss.locator(f"#close-{item.pk}").fill("现场复查到位")
        boss.get_by_role("button", name="核实并关闭").click()
        expect(boss.locator(".evaluation-rectification")).to_contain_text("已核实关闭")
        item.refresh_from_db()
        assert item.state == Rectification.State.CLOSED
        response = boss.request.get(f"{live_server.url}/evaluation/rounds/{rnd.pk}/report.pdf")
        assert response.ok and response.body().startswith(b"%PDF")
    finally:
        for context in contexts:
            context.close()
