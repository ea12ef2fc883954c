"""The public knowledge base beside the portal's form, on a phone's screen (issue 15 item 1)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from hotline.knowledge import search
from hotline.knowledge.services import articles_import

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def kb(settings, tmp_path, centre_admin):
    settings.KB_INDEX_DIR = tmp_path / "kb-index"
    settings.KB_SEMANTIC = False
    search.reset_index_cache()
    articles_import(
        actor=centre_admin,
        rows=[
            {
                "external_id": "pk-1",
                "kind": "guide",
                "title": "社会保障卡遗失补领",
                "answer": "社保卡遗失后先挂失，再持身份证到社保窗口补领。",
            }
        ],
    )
    yield
    search.reset_index_cache()


@pytest.fixture
def phone_page(browser: Any) -> Any:
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def test_suggested_answers_appear_as_the_citizen_types(phone_page, live_server, kb):
    page = phone_page
    page.goto(f"{live_server.url}/portal/submit/")
    page.get_by_label("诉求内容").fill("我的社保卡遗失了，怎么补办")
    expect(page.locator("#portal-kb-suggest")).to_contain_text("社会保障卡遗失补领")
    page.get_by_role("searchbox").fill("社保卡")
    expect(page.locator("#portal-kb-results")).to_contain_text("社会保障卡遗失补领")
    # Phone-sized: nothing wider than the screen.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    box = page.locator(".portal-kb").bounding_box()
    assert box is not None and box["width"] <= 390
