"""Searchable at once (issue 18, decision 0010): an article enters the lexical index when its
transaction commits, before any embedding is computed; the worker's embedding pass adds the
semantic signal later, on every machine."""

from __future__ import annotations

import json

import pytest

from hotline.core.audit import audit_chain_verify
from hotline.core.models import AuditEntry
from hotline.knowledge import follow, indexing, search, services, tasks
from hotline.knowledge.models import Article, Embedding, IndexChange
from hotline.knowledge.search import kb_search
from tests.knowledge.test_api import token_for

pytestmark = pytest.mark.django_db

GAS = {
    "external_id": "rq-001",
    "kind": "qa",
    "title": "燃气泄漏应急处置",
    "answer": "关闭燃气总阀,打开门窗通风,不要开关电器,到室外拨打燃气抢修电话。",
}
LAMP = {
    "external_id": "ld-001",
    "kind": "qa",
    "title": "路灯不亮报修",
    "answer": "拨打12345说明路段和灯杆编号,3个工作日内修复。",
}


@pytest.fixture
def busy_worker(monkeypatch):
    """The worker is busy elsewhere: the embedding tasks queued at commit wait here."""
    queued: list[list[int]] = []
    monkeypatch.setattr(tasks, "kb_index_articles", lambda ids: queued.append(list(ids)))
    return queued


@pytest.fixture
def machines(settings, tmp_path):
    settings.KB_FOLLOW_SECONDS = 0

    def on(name: str) -> None:
        settings.KB_INDEX_DIR = tmp_path / name / "kb-index"
        search.reset_index_cache()
        follow.reset_checks()

    return on


def post_import(client, rows):
    response = client.post(
        "/api/v1/kb/import",
        data=json.dumps(rows, ensure_ascii=False),
        content_type="application/json",
        HTTP_AUTHORIZATION=token_for("centreadmin"),
    )
    assert response.status_code == 200, response.content
    return response.json()


def semantic_of(article_id: int, q: str) -> float:
    """The semantic part of the article's hit for ``q`` (0 when it has no vector)."""
    from hotline.knowledge import textproc
    from hotline.knowledge.embeddings import embed_query
    from hotline.knowledge.engine import Filters

    parsed = textproc.parse_query(q)
    hits = search.get_index().search(parsed, Filters(), limit=10, qvec=embed_query(q))
    return next((h.semantic for h in hits if h.id == article_id), 0.0)


@pytest.mark.req("KB-6")
def test_an_imported_article_is_found_before_its_embedding_and_gains_it_later(
    client, centre_admin, semantic, busy_worker, machines
):
    machines("a")
    assert post_import(client, [GAS, LAMP])["created"] == 2
    gas = Article.objects.get(external_id="rq-001")
    # No passage was embedded, yet the article is found (lexically), fused search included.
    assert Embedding.objects.count() == 0
    assert busy_worker == [sorted(Article.objects.values_list("pk", flat=True))]
    assert search.get_index().vector_ids() == set()
    assert [r.id for r in kb_search("燃气泄漏", public_only=False)][:1] == [gas.pk]
    assert semantic_of(gas.pk, "燃气泄漏") == 0.0

    # The embedding pass (the worker, later) fills the cache and records vector-only changes.
    assert indexing.embed_pending(busy_worker[0]) == 2
    assert Embedding.objects.count() == 4  # each article's passage and its question
    assert IndexChange.objects.filter(vectors=True).count() == 2
    follow.follow()
    assert search.get_index().vector_ids() == set(busy_worker[0])
    assert semantic_of(gas.pk, "燃气泄漏") > 0.0
    # Applying a vector-only change leaves the lexical index alone.
    assert search.get_index().num_docs() == 2
    # Nothing left to embed.
    assert indexing.embed_pending() == 0


def test_a_published_article_is_found_on_a_second_machine_before_its_embedding(
    semantic, busy_worker, machines, publish
):
    machines("a")
    lamp = publish("路灯不亮报修", answer="拨打12345说明路段和灯杆编号,3个工作日内修复。")
    machines("b")
    assert [r.id for r in kb_search("路灯不亮", public_only=False)] == [lamp.pk]
    assert search.get_index().vector_ids() == set()

    machines("a")  # the worker's machine embeds
    with follow.embedding_lock(blocking=False) as free:
        assert free
        assert indexing.embed_pending() == 1  # what a's index still lacks a vector for
    machines("b")
    kb_search("路灯", public_only=False)  # follows the vector-only change
    assert search.get_index().vector_ids() == {lamp.pk}
    assert semantic_of(lamp.pk, "路灯不亮") > 0.0


def test_a_rebuild_uses_the_cached_vectors_and_never_computes_one(
    semantic, busy_worker, machines, publish
):
    machines("a")
    first = publish("路灯不亮报修", answer="拨打12345说明路段和灯杆编号,3个工作日内修复。")
    indexing.embed_pending([first.pk])
    second = publish("公积金提取", answer="租房职工可按季度提取住房公积金。")
    machines("c")  # a fresh machine
    assert follow.follow()["rebuilt"] == 1
    assert search.get_index().num_docs() == 2
    assert search.get_index().vector_ids() == {first.pk}
    assert Embedding.objects.count() == 2  # the first article's passage and question only
    assert [r.id for r in kb_search("公积金提取", public_only=False)][:1] == [second.pk]


def test_a_large_import_is_left_to_the_follower_and_found_at_the_next_search(
    client, centre_admin, busy_worker, machines, monkeypatch
):
    machines("a")
    follow.follow()
    monkeypatch.setattr(services, "FOLLOW_NOW_MAX", 1)
    post_import(client, [GAS, LAMP])
    state = follow.state_load()
    assert state is not None and state.seq == 0  # not applied by the request
    assert [r.title for r in kb_search("路灯不亮", public_only=False)] == ["路灯不亮报修"]


@pytest.mark.req("KB-6")
def test_the_bulk_import_writes_what_the_row_by_row_import_wrote(client, centre_admin):
    rows = [
        {**GAS, "source_document": "澜政发〔2026〕1号", "source_released_on": "2026-11-02"},
        LAMP,
        {**LAMP, "answer": "路灯报修请拨打12345。"},  # the same id again: an update
        {"external_id": "bad", "kind": "nonsense", "title": "x", "body": "y"},
    ]
    result = post_import(client, rows)
    assert (result["created"], result["updated"], result["unchanged"]) == (2, 1, 0)
    assert [e["index"] for e in result["errors"]] == [3]
    lamp = Article.objects.get(external_id="ld-001")
    assert lamp.live_version.number == 2
    assert lamp.live_version.answer == "路灯报修请拨打12345。"
    gas = Article.objects.get(external_id="rq-001")
    assert gas.live_version.number == 1 and gas.status == "published"
    assert list(gas.events.values_list("action", flat=True).order_by("id")) == [
        "imported",
        "published",
    ]
    clock = gas.release_clocks.get()
    assert clock.met_version == 1 and clock.met_at is not None
    assert AuditEntry.objects.filter(action="kb.article.publish").count() == 3
    assert audit_chain_verify().intact
    assert post_import(client, [rows[0], rows[2]])["unchanged"] == 2


def test_after_an_upgrade_the_embedding_pass_adds_only_the_questions(
    semantic, busy_worker, machines, publish, monkeypatch
):
    """Decision 0013: an index from before question vectors keeps its passages searchable;
    the embedding pass computes only the questions, and the articles become complete."""
    from hotline.knowledge import embeddings

    machines("a")
    lamp = publish("路灯不亮报修", answer="拨打12345说明路段和灯杆编号,3个工作日内修复。")
    indexing.embed_pending([lamp.pk])
    follow.follow()
    doc = indexing.index_doc_for(Article.objects.get(pk=lamp.pk))
    assert doc is not None
    question_hash = embeddings.content_hash(doc.question(), as_query=True)
    # As before the upgrade: the cache holds the passage only, the index the passage row.
    Embedding.objects.filter(content_hash=question_hash).delete()
    search.get_index().upsert_vectors([doc], indexing.cached_vectors([doc]))
    assert search.get_index().vector_ids() == set()
    assert semantic_of(lamp.pk, "路灯坏了") > 0.0  # its passage still counts

    computed: list[str] = []
    real = embeddings.embed_passages
    monkeypatch.setattr(
        embeddings, "embed_passages", lambda texts: computed.extend(texts) or real(texts)
    )
    assert indexing.embed_pending() == 1
    assert computed == []  # the passage was not computed again
    assert list(Embedding.objects.values_list("content_hash", flat=True)).count(question_hash) == 1
    assert Embedding.objects.count() == 2
    follow.follow()
    assert search.get_index().vector_ids() == {lamp.pk}
