"""The public knowledge page (KB-2, KB-5) in a real browser: search, read, propose."""

from __future__ import annotations

import pytest

from hotline.knowledge import search
from hotline.knowledge.models import Contribution
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
                "external_id": "b-1",
                "kind": "guide",
                "title": "社会保障卡遗失补领",
                "answer": "社保卡遗失后先挂失,再持身份证到社保窗口补领。",
            },
            {
                "external_id": "b-2",
                "kind": "business",
                "title": "社保窗口内部排班",
                "answer": "内部资料。",
                "public": False,
            },
        ],
    )
    yield
    search.reset_index_cache()


@pytest.mark.req("KB-2")
def test_a_citizen_finds_reads_and_proposes_without_logging_in(page, live_server, kb):
    page.goto(f"{live_server.url}/kb/")
    page.get_by_label("问题").fill("医保卡丢了咋办")
    page.get_by_role("button", name="搜索").click()
    results = page.locator(".kb-results")
    assert "社会保障卡遗失补领" in results.inner_text()
    assert "排班" not in page.content()
    results.get_by_role("link", name="社会保障卡遗失补领").click()
    assert "持身份证" in page.locator("main").inner_text()
    page.goto(f"{live_server.url}/kb/propose/")
    page.get_by_label("您的问题").fill("社保卡可以在银行补办吗")
    page.get_by_label("您建议的答案").fill("可以,部分合作银行网点能即时补办社保卡。")
    page.get_by_role("button", name="提交").click()
    assert "谢谢" in page.get_by_role("status").inner_text()
    assert Contribution.objects.count() == 1
