"""Issue 18 in a real Chromium: the workstation's suggestion (DISPATCH-1) fills the unit and the
type with a click, and shows the same matter registered lately in the area (INTAKE-4)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from hotline.suggest import services as suggest_services
from hotline.suggest.services import suggest_train
from hotline.tickets import services as svc
from tests.factories import TEST_PASSWORD, AreaFactory, UnitFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LAMPS = ["路灯不亮", "路灯坏了没人修", "路灯闪烁", "巷子里没有路灯", "路灯灯杆倾斜", "桥上路灯不亮"]
NOISE = [
    "工地夜间施工噪音",
    "广场舞噪音扰民",
    "酒吧噪音太大",
    "装修噪音",
    "货车夜间噪音",
    "KTV噪音",
]


@pytest.fixture
def trained(centre, agent):
    lamps = UnitFactory(code="CGJ", name="澜溪区城市管理局", short_name="区城管局")
    noise = UnitFactory(code="HBJ", name="澜溪区生态环境分局", short_name="区环保分局")
    AreaFactory(code="DM01", name="东门社区")
    for texts, unit, category in ((LAMPS, lamps, "help"), (NOISE, noise, "complaint")):
        for text in texts:
            ticket = svc.ticket_register(
                actor=agent,
                channel="phone",
                category=category,
                content=text,
                citizen_phone="13900001111",
                area_code="DM01",
            )
            svc.ticket_dispatch(actor=agent, ticket=ticket, unit_code=unit.code)
    suggest_services._loaded.update(pk=None, parts=None)
    suggest_train()
    yield lamps
    suggest_services._loaded.update(pk=None, parts=None)


def test_a_click_fills_the_suggested_unit_and_type(browser: Any, live_server: Any, trained):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("用户名").fill("agent")
    page.get_by_label("密码").fill(TEST_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/home/**")
    page.goto(f"{live_server.url}/desk/")
    assist = page.locator("#assist")
    page.locator("#id_content").fill("路灯坏了没人修，晚上很黑")
    page.locator("#id_area").fill("DM01")
    expect(assist).to_contain_text("历史工单：相似诉求曾派往此单位")
    expect(assist).to_contain_text("本区域近7日的同一事项")
    assist.get_by_role("button", name="区城管局").click()
    expect(page.locator("#id_unit")).to_have_value("澜溪区城市管理局（CGJ）")
    assist.get_by_role("button", name="求助").click()
    expect(page.locator("#id_category")).to_have_value("help")
    page.wait_for_load_state("networkidle")
    context.close()
