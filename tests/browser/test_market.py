"""Market services in a real browser (issue 16): a company applies and is approved, an agent
dispatches a request by the rule, the franchisee accepts and reports, the resident fills in the
feedback sheet, the centre blacklists a franchisee and the public ratings show it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from hotline.directory.models import Area
from hotline.franchise.models import Franchisee, MarketOrder
from hotline.tickets import services as svc
from tests.browser.test_supervision import sign_in
from tests.factories import UserFactory
from tests.franchise.conftest import make_franchisee

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.req("FRANCHISE-1", "DISPATCH-7", "FRANCHISE-3", "CALLBACK-4", "FRANCHISE-6")
def test_the_market_service_path_through_the_pages(
    browser, live_server, settings, centre, centre_admin, tmp_path
):
    settings.HOTLINE_PROFILE = "zhejiang-96345"
    agent = UserFactory(username="agent", unit=centre, roles=["agent"])
    district = Area.objects.create(code="D", name="澜溪区", kind=Area.Kind.DISTRICT)
    community = Area.objects.create(
        code="C1", name="新桥社区", kind=Area.Kind.COMMUNITY, parent=district
    )
    today = timezone.localdate()
    firms = [make_franchisee(code, base=community) for code in ("QJ1", "QJ2")]
    for firm in firms:
        firm.agreements.update(
            valid_from=today - timedelta(days=5), valid_until=today + timedelta(days=200)
        )
    worker = UserFactory(username="franchise1", unit=firms[0].unit, roles=["unit_handler"])
    ticket = svc.ticket_register(
        actor=agent,
        channel="phone",
        category="help",
        content="家里需要上门保洁",
        citizen_phone="13900008888",
        area_code="C1",
    )
    licence = tmp_path / "licence.pdf"
    licence.write_bytes(b"%PDF-1.4 licence")
    contexts: list[Any] = []
    try:
        public = browser.new_context(locale="zh-CN")
        contexts.append(public)
        applicant = public.new_page()
        applicant.goto(f"{live_server.url}/market/join/")
        applicant.get_by_label("企业或组织名称").fill("澜溪新风搬家公司")
        applicant.get_by_label("营业执照号").fill("91330100MA")
        applicant.get_by_label("营业执照（PDF或图片）").set_input_files(str(licence))
        applicant.get_by_label("搬家").check()
        applicant.get_by_label("服务时间").fill("8:00-18:00")
        applicant.get_by_label("联系人").fill("陈经理")
        applicant.get_by_label("联系电话").fill("13600002222")
        applicant.get_by_role("button", name="提交申请").click()
        expect(applicant.locator("#applied")).to_be_visible()

        admin = sign_in(browser, live_server, centre_admin.username, contexts)
        admin.goto(f"{live_server.url}/market/")
        admin.get_by_placeholder("单位编码").fill("XF1")
        admin.get_by_role("button", name="通过").click()
        expect(admin.locator(".messages")).to_contain_text("申请已通过")
        assert Franchisee.objects.filter(unit__code="XF1").exists()

        desk = sign_in(browser, live_server, agent.username, contexts)
        desk.goto(f"{live_server.url}/market/dispatch/{ticket.number}/?service=cleaning")
        expect(desk.locator(".market-ranking")).to_contain_text("QJ1家政服务有限公司")
        desk.get_by_role("button", name="派单", exact=True).click()
        expect(desk.locator("#market-order")).to_contain_text("QJ1家政服务有限公司")

        firm = sign_in(browser, live_server, worker.username, contexts)
        firm.goto(f"{live_server.url}/market/")
        firm.get_by_role("button", name="接单").click()
        expect(firm.locator(".messages")).to_contain_text("已接单")
        now = timezone.localtime()
        firm.get_by_label("约定价格（元）").fill("120")
        firm.get_by_label("约定时间").fill((now - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"))
        firm.get_by_label("实际服务时间").fill(
            (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
        )
        firm.get_by_label("服务情况").fill("全屋保洁完成")
        firm.get_by_role("button", name="反馈服务结果").click()
        expect(firm.locator(".messages")).to_contain_text("服务结果已反馈")
        order = MarketOrder.objects.get(ticket=ticket)
        assert order.state == "reported"

        resident = public.new_page()
        resident.goto(f"{live_server.url}/market/feedback/{order.feedback.token}/")
        resident.get_by_label("服务质量").select_option("5")
        resident.get_by_label("意见和建议").fill("很满意")
        resident.get_by_role("button", name="提交反馈单").click()
        expect(resident.locator("#feedback-done")).to_be_visible()

        admin.goto(f"{live_server.url}/market/")
        row = admin.locator("#franchisee-QJ2")
        row.locator("input[name=reason]").fill("虚假宣传")
        row.get_by_role("button", name="记录").click()
        expect(admin.locator(".messages")).to_contain_text("处理决定已记入信用档案")

        resident.goto(f"{live_server.url}/market/ratings/")
        expect(resident.locator("#rating-QJ2")).to_contain_text("已列入黑名单")
        expect(resident.locator("body")).to_contain_text("虚假宣传")
    finally:
        for context in contexts:
            context.close()
