from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from hotline.knowledge.models import Article, ArticleVersion

pytestmark = pytest.mark.django_db


def token_for(username: str) -> str:
    out = io.StringIO()
    call_command("token", "create", username, stdout=out)
    return "Bearer " + out.getvalue().strip().splitlines()[-1]


ROWS = [
    {
        "external_id": "ybj-001",
        "kind": "qa",
        "title": "社会保障卡遗失怎么补办",
        "body": "持本人身份证到社保经办窗口或通过“江州人社”App办理挂失和补领。",
        "answer": "社保卡遗失后先挂失,再持身份证到任一社保窗口补领,当场制卡。",
        "keywords": ["社保卡", "补办"],
    },
    {
        "external_id": "ybj-002",
        "kind": "business",
        "title": "医保窗口内部排班表",
        "body": "内部资料:窗口人员排班及替岗安排。社保卡制卡机故障时的处理流程。",
        "public": False,
    },
    {
        "external_id": "zjj-001",
        "kind": "guide",
        "title": "电梯故障报修",
        "body": "电梯故障或困人,请拨打电梯轿厢内张贴的应急救援电话,或拨打96333。",
        "unit_code": "ZJJ",
    },
]


@pytest.fixture
def admin_token(centre_admin, unit):
    return token_for("centreadmin")


@pytest.fixture
def imported(client, admin_token):
    response = client.post(
        "/api/v1/kb/import",
        data=json.dumps(ROWS),
        content_type="application/json",
        HTTP_AUTHORIZATION=admin_token,
    )
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.req("KB-6")
def test_import_creates_then_is_idempotent_then_versions_changes(client, admin_token, imported):
    """KB-6: units' own knowledge bases connect; re-importing changes nothing."""
    assert imported == {"created": 3, "updated": 0, "unchanged": 0, "errors": []}
    again = client.post(
        "/api/v1/kb/import",
        data=json.dumps(ROWS),
        content_type="application/json",
        HTTP_AUTHORIZATION=admin_token,
    ).json()
    assert again == {"created": 0, "updated": 0, "unchanged": 3, "errors": []}
    changed = [dict(ROWS[0], answer="社保卡遗失请先挂失,再补领。"), ROWS[1], ROWS[2]]
    third = client.post(
        "/api/v1/kb/import",
        data=json.dumps(changed),
        content_type="application/json",
        HTTP_AUTHORIZATION=admin_token,
    ).json()
    assert third == {"created": 0, "updated": 1, "unchanged": 2, "errors": []}
    article = Article.objects.get(external_id="ybj-001")
    assert article.live_version.number == 2
    assert ArticleVersion.objects.filter(article=article).count() == 2


def test_bad_rows_are_reported_and_good_rows_still_go_in(client, admin_token):
    rows = [
        {"external_id": "ok-1", "kind": "qa", "title": "好的一行", "body": "正文内容"},
        {"external_id": "", "kind": "qa", "title": "缺编号", "body": "正文"},
        {"external_id": "bad-kind", "kind": "novel", "title": "类别错", "body": "正文"},
        {
            "external_id": "bad-unit",
            "kind": "qa",
            "title": "单位错",
            "body": "正文",
            "unit_code": "NOPE",
        },
        {
            "external_id": "bad-date",
            "kind": "qa",
            "title": "日期错",
            "body": "正文",
            "valid_to": "明年",
        },
        "not an object",
        {"external_id": "ok-2", "kind": "guide", "title": "另一行", "body": "<p>正文</p>"},
    ]
    body = client.post(
        "/api/v1/kb/import",
        data=json.dumps(rows),
        content_type="application/json",
        HTTP_AUTHORIZATION=admin_token,
    ).json()
    assert body["created"] == 2
    assert [e["index"] for e in body["errors"]] == [1, 2, 3, 4, 5]
    assert all(e["reason"] for e in body["errors"])


def test_malformed_import_body_is_a_clear_400(client, admin_token):
    response = client.post(
        "/api/v1/kb/import",
        data="{not json",
        content_type="application/json",
        HTTP_AUTHORIZATION=admin_token,
    )
    assert response.status_code == 400
    assert response.json()["code"]
    response = client.post(
        "/api/v1/kb/import",
        data=json.dumps({"external_id": "x"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=admin_token,
    )
    assert response.status_code == 400


def test_import_needs_the_import_permission(client, unit_officer, imported):
    response = client.post(
        "/api/v1/kb/import",
        data=json.dumps(ROWS),
        content_type="application/json",
        HTTP_AUTHORIZATION=token_for("handler1"),
    )
    assert response.status_code == 403
    assert (
        client.post("/api/v1/kb/import", data="[]", content_type="application/json").status_code
        == 401
    )


@pytest.mark.req("ANSWER-1")
def test_staff_search_finds_colloquial_wording_and_internal_articles(client, agent, imported):
    """ANSWER-1: the right article comes first while the citizen is still talking."""
    token = token_for("agent")
    response = client.get(
        "/api/v1/kb/search", {"q": "我医保卡掉了咋补办"}, HTTP_AUTHORIZATION=token
    )
    assert response.status_code == 200
    results = response.json()["results"]
    assert results[0]["external_id"] == "ybj-001"
    assert set(results[0]) >= {"id", "external_id", "title", "snippet", "score", "kind"}
    assert "<mark>" in results[0]["snippet"]
    assert [r["score"] for r in results] == sorted((r["score"] for r in results), reverse=True)
    internal = client.get("/api/v1/kb/search", {"q": "排班表"}, HTTP_AUTHORIZATION=token).json()
    assert internal["results"][0]["external_id"] == "ybj-002"


def test_staff_search_filters_by_kind_and_unit(client, agent, imported):
    token = token_for("agent")
    guide = client.get(
        "/api/v1/kb/search", {"q": "电梯", "kind": "guide"}, HTTP_AUTHORIZATION=token
    ).json()["results"]
    assert [r["external_id"] for r in guide] == ["zjj-001"]
    none = client.get(
        "/api/v1/kb/search", {"q": "电梯", "kind": "qa"}, HTTP_AUTHORIZATION=token
    ).json()["results"]
    assert none == []
    by_unit = client.get(
        "/api/v1/kb/search", {"q": "社保卡", "unit": "ZJJ"}, HTTP_AUTHORIZATION=token
    ).json()["results"]
    assert all(r["external_id"] == "zjj-001" for r in by_unit)


@pytest.mark.req("KB-2")
def test_public_search_never_shows_internal_articles(client, imported):
    """KB-2: self-service for the public, public articles only."""
    for q in ["排班表", "社保卡 制卡机 故障", "内部资料"]:
        response = client.get("/api/v1/public/kb/search", {"q": q})
        assert response.status_code == 200
        ids = [r["external_id"] for r in response.json()["results"]]
        assert "ybj-002" not in ids
        assert "排班" not in json.dumps(response.json(), ensure_ascii=False)
    found = client.get("/api/v1/public/kb/search", {"q": "shebaoka diule"}).json()["results"]
    assert found[0]["external_id"] == "ybj-001"


@pytest.mark.parametrize(
    "q",
    [
        "",
        "   ",
        "？？？！！！",
        "😀🙏👍",
        "<script>alert(1)</script>",
        "社" * 10000,
        "'; drop table x; --",
    ],
)
def test_bad_queries_give_sensible_results(client, imported, q):
    response = client.get("/api/v1/public/kb/search", {"q": q})
    assert response.status_code == 200
    assert isinstance(response.json()["results"], list)


def test_limit_is_bounded_and_validated(client, imported):
    assert client.get("/api/v1/public/kb/search", {"q": "电梯", "limit": 100000}).status_code == 200
    assert client.get("/api/v1/public/kb/search", {"q": "电梯", "limit": -5}).status_code == 200
    bad = client.get("/api/v1/public/kb/search", {"q": "电梯", "limit": "many"})
    assert bad.status_code == 400
    assert bad.json()["code"] == "invalid_input"


def test_article_detail_and_cite_return_the_current_version(client, agent, imported):
    token = token_for("agent")
    article = Article.objects.get(external_id="ybj-001")
    body = client.get(f"/api/v1/kb/articles/{article.pk}", HTTP_AUTHORIZATION=token).json()
    assert body["version"] == 1
    assert body["answer"].startswith("社保卡遗失")
    cite = client.get(f"/api/v1/kb/articles/{article.pk}/cite", HTTP_AUTHORIZATION=token).json()
    assert cite == {"id": article.pk, "version": 1, "title": "社会保障卡遗失怎么补办"}
    old = client.get(f"/api/v1/kb/articles/{article.pk}/versions/1", HTTP_AUTHORIZATION=token)
    assert old.status_code == 200
    assert client.get("/api/v1/kb/articles/999999", HTTP_AUTHORIZATION=token).status_code == 404


def test_search_needs_a_login(client, db):
    assert client.get("/api/v1/kb/search", {"q": "电梯"}).status_code == 401
