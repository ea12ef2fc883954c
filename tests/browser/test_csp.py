"""Every main page works under the Content-Security-Policy (issue 11): no inline script or
style is refused, and the behaviours moved out of inline handlers still work."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from hotline.tickets import services as svc
from tests.factories import TEST_PASSWORD, ResponsibilityItemFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(browser: Any, live_server: Any, username: str) -> Any:
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(TEST_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/home/**")
    return page


def test_main_pages_raise_no_csp_violation(
    browser,
    live_server,
    console_errors,
    centre,
    unit,
    agent,
    supervisor,
    centre_admin,
    unit_officer,
):
    ResponsibilityItemFactory(unit=unit, matter="住宅电梯安全监管", keywords=["电梯"])
    ticket = svc.ticket_register(
        actor=agent,
        channel="phone",
        category="complaint",
        content="小区电梯停运一周",
        citizen_phone="13900004444",
    )
    svc.ticket_dispatch(actor=agent, ticket=ticket, unit_code=unit.code)
    waiting = svc.ticket_register(
        actor=agent,
        channel="phone",
        category="help",
        content="电梯异响",
        citizen_phone="13900000139",
    )
    tour = {
        "agent": [
            "/home/agent/",
            "/desk/",
            "/queue/dispatch/",
            f"/tickets/{ticket.number}/",
            "/tickets/",
            "/knowledge/",
            "/inbox/",
        ],
        "supervisor": ["/board/"],
        "handler1": ["/unit/", f"/tickets/{ticket.number}/"],
        "centreadmin": ["/manage/", "/manage/status/", "/manage/audit/", "/admin/", "/api/docs"],
    }
    for username, paths in tour.items():
        page = sign_in(browser, live_server, username)
        for path in paths:
            response = page.goto(f"{live_server.url}{path}")
            assert response is not None and response.status == 200, path
            assert "script-src 'self'" in response.headers["content-security-policy"]
            page.wait_for_load_state("networkidle")
        page.context.close()
    anonymous = browser.new_context(locale="zh-CN").new_page()
    for path in ["/login/", "/kb/", "/kb/?q=电梯", "/kb/propose/"]:
        anonymous.goto(f"{live_server.url}{path}")
        anonymous.wait_for_load_state("networkidle")
    anonymous.context.close()

    # The suggested-unit buttons (once an inline onclick) fill the dispatch field.
    page = sign_in(browser, live_server, "agent")
    page.goto(f"{live_server.url}/tickets/{waiting.number}/")
    suggestion = page.locator("button[data-fill]").first
    suggestion.click()
    field = page.locator(f"#{suggestion.get_attribute('data-fill')}")
    expect(field).to_have_value(suggestion.get_attribute("data-value") or "")
    expect(field).to_be_focused()
    # The language menu (once an inline onchange) switches the interface at once.
    page.locator("#lang-select").select_option("en")
    page.wait_for_load_state("networkidle")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    # Wait for the switch back to finish navigating, or the next goto races it (ERR_ABORTED).
    with page.expect_navigation():
        page.locator("#lang-select").select_option("zh-hans")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    # htmx still works (the desk's caller lookup) with its indicator styles from hotline.css.
    page.goto(f"{live_server.url}/desk/")
    page.keyboard.type("13900004444")
    expect(page.locator("#caller")).to_contain_text(ticket.number)
    page.context.close()
    assert not [m for m in console_errors if "Content Security Policy" in m]
