"""Issue 18: fusion that cannot fall below its signals, passages of long articles, and query
rewriting with the vocabulary that articles and units maintain (KB-2, ANSWER-1)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from hotline.directory.models import ResponsibilityItem
from hotline.knowledge import engine, textproc
from hotline.knowledge.engine import DIM, Filters, Fusion, IndexDoc, SearchIndex, fuse_ranks
from hotline.knowledge.search import kb_search

# --- fusion -----------------------------------------------------------------------------------


def test_when_the_signals_disagree_fusion_interleaves_their_best():
    lexical = ["L1", "L2", "L3", "L4"]
    semantic = ["S1", "S2", "L3", "S4"]  # ranks the lexical third, nothing of the top two
    order = list(fuse_ranks(lexical, semantic, Fusion(guard=2, keep=0)))
    assert set(order[:4]) == {"L1", "L2", "S1", "S2"}
    # Led by the signal whose best the other ranks higher: S1 is absent from the lexical
    # ranking, L1 is absent from the semantic one, so the lexical ranking (first) leads.
    assert order[0] == "L1" and order[1] == "S1"


def test_an_answer_one_signal_is_sure_of_is_never_buried_by_the_other():
    # "A" is first lexically and last semantically; ten articles both rank middling would
    # outscore it in plain reciprocal-rank fusion.
    middling = [f"M{i}" for i in range(10)]
    lexical = ["A", "B", *middling]
    semantic = ["B", "S", *middling, *[f"X{i}" for i in range(30)], "A"]
    plain = list(fuse_ranks(lexical, semantic, Fusion(guard=0)))
    assert plain.index("A") >= 4
    order = list(fuse_ranks(lexical, semantic, Fusion(guard=2)))
    assert order[0] == "B"  # both agree on it
    assert {"A", "S"} <= set(order[:4])


def _random_rankings(seed: int) -> Iterator[tuple[list[str], list[str]]]:
    """Yield 300 (lexical, semantic) rankings over 40 articles: the lexical one of 1–25."""
    rng = random.Random(seed)
    pool = [f"d{i}" for i in range(40)]
    for _ in range(300):
        yield rng.sample(pool, rng.randint(1, 25)), rng.sample(pool, 30)


def test_fused_top_holds_each_signals_top_on_random_rankings():
    for lexical, semantic in _random_rankings(18):
        for guard in (1, 2, 3):
            scores = fuse_ranks(lexical, semantic, Fusion(guard=guard, keep=0))
            top = list(scores)[: 2 * guard]
            assert set(lexical[:guard]) <= set(top)
            assert set(semantic[:guard]) <= set(top)
            values = list(scores.values())
            assert values == sorted(values, reverse=True)  # scores follow the fused order


def test_the_lexical_signal_takes_at_most_one_of_the_first_five_places_from_the_semantic():
    """Decision 0015: when the two signals' best answers differ, the fused top five holds the
    semantic signal's top four (the stronger signal on wording nobody tuned for), so fusion's
    recall in the first five is not below the semantic signal's in its first four."""
    for lexical, semantic in _random_rankings(15):
        for guard in (0, 1, 2):
            order = list(fuse_ranks(lexical, semantic, Fusion(guard=guard)))
            if lexical[0] != semantic[0]:
                assert set(semantic[:4]) <= set(order[:5])
            assert sorted(order) == sorted(set(lexical) | set(semantic))  # nothing lost
    # Two lexical favourites the semantic signal ranks low: only one gets into the top five.
    semantic = ["S1", "S2", "S3", "S4", "S5", *[f"x{i}" for i in range(20)], "L1", "L2"]
    order = list(fuse_ranks(["L1", "L2"], semantic, Fusion(guard=2)))
    assert order[:5] == ["L1", "S1", "S2", "S3", "S4"]


def test_when_both_signals_put_the_same_answer_first_the_lexical_reading_counts():
    """公基金怎么取出来: both signals put 住房公积金提取 first; the lexical signal's next
    公积金 articles then outrank the semantic signal's 公证 articles (a homophone's noise)."""
    lexical = ["gjj-draw", "gjj-move", "gjj-online", "gjj-print"]
    semantic = ["gjj-draw", "notary-1", "notary-2", "notary-3", "gjj-online", "gjj-move"]
    order = list(fuse_ranks(lexical, semantic, Fusion()))
    assert order[0] == "gjj-draw"
    assert {"gjj-move", "gjj-online"} <= set(order[:4])
    assert "notary-3" not in order[:4]


def test_fusion_needs_no_score_scale_and_tops_at_one():
    scores = fuse_ranks(["a", "b"], ["a", "c"], Fusion())
    assert next(iter(scores)) == "a"
    assert scores["a"] == pytest.approx(1.0)


# --- passages ---------------------------------------------------------------------------------


def _unit(vector: list[float]) -> np.ndarray:
    v = np.zeros(DIM, dtype=np.float32)
    v[: len(vector)] = vector
    return v / np.linalg.norm(v)


def _qa_index(tmp_path: Any, articles: list[tuple[str, str]]) -> SearchIndex:
    """Index ``(title, answer)`` FAQ articles with ids 1, 2, … and the n-th one's vector
    along the n-th axis."""
    docs = [
        IndexDoc(id=n, external_id=f"A{n}", title=title, kind="qa", unit="X", public=True,
                 answer=answer)
        for n, (title, answer) in enumerate(articles, start=1)
    ]  # fmt: skip
    index = SearchIndex(tmp_path / "idx")
    index.rebuild(docs, {d.id: _unit([0] * (d.id - 1) + [1]) for d in docs})
    return index


def test_a_long_article_is_embedded_in_pieces_and_scored_by_its_best(tmp_path):
    long = IndexDoc(
        id=1,
        external_id="L",
        title="住房公积金业务办理指南",
        kind="guide",
        unit="GJJ",
        public=True,
        answer="职工可到任一管理部办理。",
        body="。".join(f"第{i}条，关于提取、贷款和缴存的具体规定说明如下" * 3 for i in range(12)),
    )
    passages = long.passages()
    assert passages[0] == long.passage()
    assert 2 < len(passages) <= 8
    assert all(p.startswith(long.title) for p in passages[1:])
    short = IndexDoc(id=2, external_id="S", title="短", kind="qa", unit="X", public=True)
    assert short.passages() == [short.passage()]

    index = SearchIndex(tmp_path / "idx")
    index.rebuild(
        [long, short],
        {1: np.stack([_unit([1, 0, 0]), _unit([0, 0, 1])]), 2: _unit([0.6, 0.8, 0])},
    )
    # The query is close to the long article's second passage only.
    found = index.semantic(_unit([0, 0.1, 1]), Filters(), 5)
    assert [i for i, _ in found] == [1, 2]
    index.delete([1])
    assert [i for i, _ in index.semantic(_unit([0, 0.1, 1]), Filters(), 5)] == [2]


# --- query rewriting --------------------------------------------------------------------------


def test_rewrites_are_one_way_from_synonym_to_keyword():
    vocabulary = textproc.Synonyms([]).with_rewrites([(["小黄车"], ["共享单车"])])
    said = textproc.parse_query("门口一堆小黄车", vocabulary)
    assert said.bigrams["单车"] == textproc.REWRITE_WEIGHT
    assert said.rewritten == ["共享单车"]
    official = textproc.parse_query("共享单车乱停", vocabulary)
    assert "黄车" not in official.bigrams and official.rewritten == []


@pytest.mark.django_db
@pytest.mark.req("KB-2")
def test_an_articles_synonyms_rewrite_the_query_for_every_article(publish):
    """KB-2: the synonyms one article maintains lead a caller's wording to the official
    term, so articles that only use the official term are found too."""
    publish("共享单车停放管理", answer="共享单车应停放在白线内。", keywords=["共享单车"],
            synonyms=["小黄车"])  # fmt: skip
    other = publish("单车乱停放如何处理", answer="可拨打12345反映,城管部门清理。")
    found = [r.id for r in kb_search("小区门口全是小黄车", public_only=False, semantic=False)]
    assert other.pk in found


@pytest.mark.django_db
@pytest.mark.req("KB-2")
def test_a_units_responsibility_keywords_rewrite_the_query(publish, unit):
    """KB-2: a unit's responsibility keywords (屋顶漏水) lead to its matter's articles."""
    article = publish("住宅专项维修资金使用", answer="业主表决同意后可申请使用维修资金。")
    assert kb_search("我家屋顶漏水了", public_only=False, semantic=False) == []
    ResponsibilityItem.objects.create(
        unit=unit, matter="住宅专项维修资金使用咨询", keywords=["屋顶漏水", "外墙渗水"]
    )
    from hotline.knowledge import search

    search.reset_index_cache()  # the vocabulary is re-read each minute; do not wait
    found = kb_search("我家屋顶漏水了", public_only=False, semantic=False)
    assert [r.id for r in found][:1] == [article.pk]


def test_lexical_hits_on_filler_words_do_not_outvote_the_semantic_signal(tmp_path):
    """The cross-check: a best lexical hit that holds little of what the caller said (here
    only 材料 of 厨房, 臭鸡蛋, 味道…) leaves the order to the semantic signal."""
    index = _qa_index(
        tmp_path,
        [
            ("公积金提取需要哪些材料", "身份证和提取申请材料。"),
            ("燃气泄漏应急处置", "关闭总阀,开窗通风。"),
        ],
    )
    no_vocabulary = textproc.Synonyms([])  # (the default one knows 臭鸡蛋味: see below)
    query = textproc.parse_query("厨房里一股臭鸡蛋味道要准备啥材料", no_vocabulary)
    qvec = _unit([0.3, 1, 0])
    assert [i for i, _ in index.lexical(query, Filters(), 5)] == [1]
    ungated = index.search(query, Filters(), qvec=qvec, fusion=Fusion(coverage=0))
    assert [h.id for h in ungated] == [1, 2]
    fused = index.search(query, Filters(), qvec=qvec)
    assert [h.id for h in fused] == [2, 1]
    # A caller who says the article's words gets the lexical signal back.
    said = textproc.parse_query("公积金提取要哪些材料")
    assert index.search(said, Filters(), qvec=qvec)[0].id == 1


def test_a_lexical_best_that_does_not_stand_out_leaves_the_order_to_the_semantic_signal(
    tmp_path,
):
    """The second cross-check (decision 0015): when the caller's words match several articles
    about equally (土地 登记), the lexical order among them is chance and must not decide."""
    index = _qa_index(
        tmp_path,
        [
            ("土地登记的收费标准", "按件收取登记费。"),
            ("土地登记的办理时限", "受理后二十个工作日内办结。"),
            ("为什么要进行土地登记", "登记是保护权利人合法权益的法定程序。"),
        ],
    )
    query = textproc.parse_query("土地登记")
    lexical = index.lexical(query, Filters(), 5)
    assert lexical[0][0] == 1 and lexical[0][1] < 1.2 * lexical[1][1]  # no clear winner
    qvec = _unit([0.2, 0.1, 1])  # the semantic signal reads it as "why register"
    ungated = index.search(query, Filters(), qvec=qvec, fusion=Fusion(lead=0, keep=0))
    assert ungated[0].id == 1
    assert index.search(query, Filters(), qvec=qvec)[0].id == 3
    # Unless the semantic signal puts the same article first: that confirms the lexical
    # reading, which then orders the rest with it (the semantic order alone is 1, 2, 3).
    agreeing = _unit([1, 0.5, 0.2])
    assert [i for i, _ in index.semantic(agreeing, Filters(), 3)] == [1, 2, 3]
    assert [h.id for h in index.search(query, Filters(), qvec=agreeing)] == [1, 3, 2]
    # A lexical best that stands out clearly still counts.
    clear = textproc.parse_query("土地登记收费标准")
    top, second = index.lexical(clear, Filters(), 5)[:2]
    assert top[0] == 1 and top[1] >= 1.2 * second[1]
    assert index.search(clear, Filters(), qvec=qvec)[0].id == 1


@pytest.mark.req("KB-2")
def test_words_the_vocabulary_gives_a_meaning_count_as_covered(tmp_path):
    """KB-2, decision 0015: a caller who says 臭鸡蛋的味道 shares no characters with 燃气泄漏,
    but the centre's vocabulary says that is what it means; the coverage check counts those
    words as found in an article that holds the meaning, so the lexical hit takes part."""
    vocabulary = textproc.Synonyms([["燃气泄漏", "煤气泄漏", "臭鸡蛋的味道"]])
    query = textproc.parse_query("厨房里一股臭鸡蛋的味道", vocabulary)
    assert query.vouched == [("臭鸡蛋的味道", ["燃气泄漏", "煤气泄漏"])]
    index = _qa_index(
        tmp_path,
        [
            ("食品安全问题举报", "发现变质食品可向市场监管部门举报。"),
            ("燃气泄漏应急处置", "关闭燃气总阀,开窗通风,到室外拨打燃气抢修电话。"),
        ],
    )
    qvec = _unit([1, 0.5, 0])  # the semantic signal hears "food"
    assert [i for i, _ in index.lexical(query, Filters(), 5)][:1] == [2]
    assert engine.query_coverage(query, "燃气泄漏应急处置") >= Fusion().coverage
    plain = textproc.parse_query("厨房里一股臭鸡蛋的味道", textproc.Synonyms([]))
    assert engine.query_coverage(plain, "燃气泄漏应急处置") == 0.0
    assert [h.id for h in index.search(query, Filters(), qvec=qvec)] == [2, 1]
    # Without the vocabulary the lexical signal has nothing and the semantic order stands.
    assert [h.id for h in index.search(plain, Filters(), qvec=qvec)] == [1, 2]


def test_a_vector_file_from_before_passages_still_loads(tmp_path):
    from hotline.knowledge.engine import VectorStore

    path = tmp_path / "vectors.npz"
    store = VectorStore()
    doc = IndexDoc(id=7, external_id="A", title="t", kind="qa", unit="X", public=True)
    store.upsert([doc], {7: _unit([1, 0])})
    np.savez(path, **{n: getattr(store, n) for n in (
        "ids", "matrix", "public", "kind", "unit", "valid_from", "valid_to")})  # fmt: skip
    loaded = VectorStore.load(path)
    assert loaded.first.tolist() == [True]
    assert loaded.nearest(_unit([1, 0]), Filters(), 3, also=[7])[1] == {7: pytest.approx(1.0)}


# --- the question, embedded as a query (decision 0013) ----------------------------------------


def _faq(doc_id: int, title: str) -> IndexDoc:
    return IndexDoc(
        id=doc_id, external_id=f"Q{doc_id}", title=title, kind="qa", unit="X", public=True
    )


@pytest.mark.req("ANSWER-1")
def test_an_articles_question_scores_beside_its_passage(tmp_path):
    """A FAQ whose question is worded like the caller's wins over one whose passage is a bit
    closer: the score is the mean of the best passage's cosine and the question's."""
    paraphrased, passage_only = _faq(1, "公积金怎么取"), _faq(2, "住房公积金提取")
    assert paraphrased.embedded() == [(paraphrased.passage(), False), ("公积金怎么取", True)]
    index = SearchIndex(tmp_path / "idx")
    query = _unit([1, 1, 0])
    index.rebuild(
        [paraphrased, passage_only],
        {
            1: np.stack([_unit([1, 0, 0]), _unit([1, 1, 0.1])]),  # passage, question
            2: np.stack([_unit([1, 0.4, 0]), _unit([0, 0, 1])]),
        },
    )
    found = index.semantic(query, Filters(), 5)
    assert [i for i, _ in found] == [1, 2]
    expected = (float(_unit([1, 0, 0]) @ query) + float(_unit([1, 1, 0.1]) @ query)) / 2
    assert found[0][1] == pytest.approx(expected, abs=1e-5)
    assert index.vector_ids() == {1, 2}


def test_an_article_whose_question_is_not_embedded_yet_scores_its_passages(tmp_path):
    index = SearchIndex(tmp_path / "idx")
    doc = _faq(3, "路灯不亮")
    index.rebuild([doc], {3: _unit([0, 1, 0])})  # the passage only: the embedding pass is behind
    assert index.semantic(_unit([0, 1, 0]), Filters(), 5) == [(3, pytest.approx(1.0))]
    assert index.vector_ids() == set()  # the embedding pass will complete it


def test_the_sign_bit_scan_finds_what_the_exact_scan_finds(tmp_path, monkeypatch):
    """Above ``EXACT_LIMIT`` rows the candidates come from sign bits; the articles then
    scored are whole (passages and question), so the best answer is the same."""
    from hotline.knowledge import engine

    rng = np.random.default_rng(7)
    docs = [_faq(i, f"问题{i}") for i in range(1, 301)]
    vectors = {}
    for d in docs:
        rows = rng.normal(size=(2, DIM)).astype(np.float32)
        vectors[d.id] = rows / np.linalg.norm(rows, axis=1, keepdims=True)
    index = SearchIndex(tmp_path / "idx")
    index.rebuild(docs, vectors)
    queries = [vectors[i][1] + 0.3 * vectors[i][0] for i in (5, 77, 250)]
    exact = [index.semantic(q / np.linalg.norm(q), Filters(), 5) for q in queries]
    monkeypatch.setattr(engine, "EXACT_LIMIT", 10)
    approx = [index.semantic(q / np.linalg.norm(q), Filters(), 5) for q in queries]
    assert [e[0][0] for e in exact] == [5, 77, 250]
    assert [a[0] for a in approx] == [e[0] for e in exact]


def test_filters_apply_to_articles_with_a_question(tmp_path):
    index = SearchIndex(tmp_path / "idx")
    public, internal = _faq(1, "公开的问题"), _faq(2, "内部的问题")
    internal.public = False
    index.rebuild(
        [public, internal],
        {1: np.stack([_unit([1, 0]), _unit([1, 0])]), 2: np.stack([_unit([0, 1]), _unit([0, 1])])},
    )
    assert [i for i, _ in index.semantic(_unit([0, 1]), Filters(public_only=True), 5)] == [1]
    _top, extra = index._vectors.nearest(_unit([0, 1]), Filters(public_only=True), 5, also=[1, 2])
    assert set(extra) == {1}


def test_a_snippet_does_not_repeat_an_answer_taken_from_the_body(tmp_path):
    body = "闻到燃气味请立即关闭燃气总阀，打开门窗通风。到室外拨打燃气抢修电话。"
    doc = IndexDoc(
        id=1, external_id="G", title="燃气泄漏应急处置", kind="qa", unit="X", public=True,
        answer="闻到燃气味请立即关闭燃气总阀，打开门窗通风。", body=body,
    )  # fmt: skip
    assert doc.display_text() == body
    other = IndexDoc(
        id=2, external_id="H", title="路灯", kind="qa", unit="X", public=True,
        answer="拨打12345报修。", body="路灯由街道负责维护。",
    )  # fmt: skip
    assert other.display_text() == "拨打12345报修。\n路灯由街道负责维护。"
    index = SearchIndex(tmp_path / "idx")
    index.rebuild([doc, other], {})
    (hit,) = [h for h in index.search(textproc.parse_query("燃气总阀"), Filters()) if h.id == 1]
    assert hit.snippet.count("关闭") == 1
