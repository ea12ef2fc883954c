"""Statistics in a real browser (issue 14): a supervisor opens the unit ranking from the menu,
clicks a count, lands on the tickets behind it and opens one; then opens the dashboard."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from hotline.notifications.services import outbox_deliver
from hotline.tickets import services as svc
from tests.browser.test_supervision import sign_in
from tests.factories import AreaFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.req("STATS-4", "STATS-3")
def test_ranking_drills_down_to_the_tickets_and_the_dashboard_shows_the_month(
    browser, live_server, centre, unit, other_unit, supervisor
):
    agent = UserFactory(username="agent", unit=centre, roles=["agent", "reviewer"])
    district = AreaFactory(
        name="澜溪区", kind="district", latitude="30.250000", longitude="120.160000"
    )
    community = AreaFactory(name="白沙社区", kind="community", parent=district)
    numbers = []
    for unit_code in (unit.code, unit.code, other_unit.code):
        ticket = svc.ticket_register(
            actor=agent,
            channel="phone",
            category="complaint",
            content="小区旁工地夜间施工噪音扰民",
            citizen_phone="13900007777",
            area_code=community.code,
        )
        svc.ticket_dispatch(actor=agent, ticket=ticket, unit_code=unit_code)
        numbers.append(ticket.number)
    outbox_deliver(now=timezone.now(), limit=10_000)
    contexts: list[Any] = []
    try:
        boss = sign_in(browser, live_server, supervisor.username, contexts)
        boss.get_by_role("link", name="单位考核排名").click()
        expect(boss.get_by_role("heading", name="单位考核排名")).to_be_visible()
        row = boss.locator(f"#rank-{unit.code}")
        expect(row).to_contain_text(unit.name)
        row.locator('a[data-indicator="received"]').click()
        expect(boss.get_by_role("heading", name="数字背后的工单")).to_be_visible()
        table = boss.locator("table.stats-drilldown")
        expect(table).to_contain_text(numbers[0])
        expect(table).to_contain_text(numbers[1])
        expect(table).not_to_contain_text(numbers[2])
        boss.get_by_role("link", name=numbers[0]).click()
        boss.wait_for_url(f"**/tickets/{numbers[0]}/")

        boss.get_by_role("link", name="数据大屏").click()
        expect(boss.get_by_role("heading", name="领导数据大屏")).to_be_visible()
        expect(boss.get_by_role("heading", name="热点预警")).to_be_visible()
        figures = boss.locator(".dash-figures")
        expect(figures).to_contain_text("今日")
        # ECharts draws the trends on a canvas; Leaflet draws the areas as circles (no tiles).
        # Parsing ECharts (1 MB) takes seconds on a busy 2-core machine.
        expect(boss.locator("#dash-trend-0.charted canvas").first).to_be_visible(timeout=20_000)
        expect(boss.locator("#dash-trend-1.charted canvas").first).to_be_visible()
        expect(boss.locator("#dash-map.mapped.leaflet-container")).to_be_visible()
        expect(boss.locator("#dash-map path.dash-area")).to_have_count(1)
        expect(boss.locator(".dash-ranking")).to_contain_text(unit.name)
    finally:
        for context in contexts:
            context.close()
