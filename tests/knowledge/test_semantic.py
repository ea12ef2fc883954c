"""The semantic signal: the model loads once per session (``e5_model`` fixture)."""

from __future__ import annotations

import pytest

from hotline.knowledge.embeddings import embed_query
from hotline.knowledge.models import Embedding
from hotline.knowledge.search import kb_search

pytestmark = pytest.mark.django_db


@pytest.mark.req("ANSWER-1")
def test_fusion_finds_an_answer_that_shares_no_words_with_the_question(semantic, publish):
    """ANSWER-1: citizens who share no words with the answer still reach it."""
    gas = publish(
        "燃气泄漏应急处置",
        answer="关闭燃气总阀,打开门窗通风,不要开关电器,到室外拨打燃气抢修电话。",
    )
    publish("路灯不亮报修", answer="拨打12345说明路段和灯杆编号,3个工作日内修复。")
    publish("公积金提取", answer="租房职工可按季度提取住房公积金。")
    assert Embedding.objects.count() == 6  # passage and question embedded once, by content hash
    said = "厨房里有股怪味，闻着头晕"  # no word of the article, none the vocabulary knows
    lexical = kb_search(said, public_only=False, semantic=False)
    fused = kb_search(said, public_only=False)
    assert gas.pk not in [r.id for r in lexical[:1]]
    assert fused[0].id == gas.pk
    # Words the centre's vocabulary gives that meaning (synonyms.txt) reach it lexically too.
    known = "厨房里一股臭鸡蛋的味道"
    assert [r.id for r in kb_search(known, public_only=False, semantic=False)][:1] == [gas.pk]
    assert kb_search(known, public_only=False)[0].id == gas.pk


def test_query_embeddings_are_unit_length(e5_model):
    vector = embed_query("社保卡丢了")
    assert vector.shape == (384,)
    assert abs(float((vector**2).sum()) - 1.0) < 1e-3
