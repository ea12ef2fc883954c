"""The portal's gaps of issue 15 and 16: the public knowledge base beside the form, the
market-service request, the transfer from the ticket page and the notices page."""

from __future__ import annotations

import pytest

from hotline.knowledge import search
from hotline.knowledge.services import articles_import

pytestmark = pytest.mark.django_db


@pytest.fixture
def kb(settings, tmp_path, centre_admin):
    settings.KB_INDEX_DIR = tmp_path / "kb-index"
    settings.KB_SEMANTIC = False
    search.reset_index_cache()
    articles_import(
        actor=centre_admin,
        rows=[
            {
                "external_id": "p-1",
                "kind": "guide",
                "title": "社会保障卡遗失补领",
                "answer": "社保卡遗失后先挂失，再持身份证到社保窗口补领。",
            },
            {
                "external_id": "p-2",
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
def test_the_portal_shows_the_public_knowledge_base_beside_the_form(client, kb):
    page = client.get("/portal/submit/").content.decode()
    assert 'id="portal-kb-q"' in page and 'hx-get="/portal/kb/"' in page
    assert "htmx.min.js" in page
    assert 'id="portal-kb-q"' in client.get("/portal/").content.decode()

    found = client.get("/portal/kb/", {"q": "社保卡遗失"}).content.decode()
    assert "社会保障卡遗失补领" in found
    assert "内部排班" not in found  # only public articles

    suggested = client.get("/portal/kb/", {"content": "我的社保卡遗失了怎么办"}).content.decode()
    assert "社会保障卡遗失补领" in suggested
    assert client.get("/portal/kb/", {"content": ""}).content.decode().strip() == ""


def test_the_portal_knowledge_base_is_throttled_like_the_public_search(client, kb, settings):
    settings.HOTLINE_THROTTLE_RATES = {**settings.HOTLINE_THROTTLE_RATES, "kb-public": "2/m"}
    from django.core.cache import cache

    cache.clear()
    assert client.get("/portal/kb/", {"q": "社保"}).status_code == 200
    assert client.get("/portal/kb/", {"q": "社保"}).status_code == 200
    assert client.get("/portal/kb/", {"q": "社保"}).status_code == 429
