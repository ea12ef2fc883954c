from __future__ import annotations

from hotline.knowledge import textproc


def test_bigrams_find_two_character_words():
    assert textproc.bigrams("电梯坏了") == ["电梯", "梯坏", "坏了"]
    assert textproc.bigrams("梯") == ["梯"]


def test_normalise_folds_full_width_and_case():
    assert textproc.normalise("  ＡＢＣ１２３　医保  ") == "abc123 医保"


def test_pinyin_input_is_split_into_syllables():
    assert textproc.split_pinyin("yibaoka") == ["yi", "bao", "ka"]
    assert textproc.split_pinyin("xyzq") is None


def test_homophone_typo_shares_pinyin_pairs():
    assert set(textproc.pinyin_pairs("社宝卡")) == set(textproc.pinyin_pairs("社保卡"))


def test_query_drops_filler_words_and_expands_synonyms():
    q = textproc.parse_query("你好，我的医保卡丢了怎么办啊")
    assert "医保" in q.bigrams
    assert "怎么" not in q.bigrams
    assert "社保" in q.bigrams  # 医保卡 ↔ 社保卡
    assert q.bigrams["社保"] < 1.0


def test_pinyin_query_reaches_the_synonym_group():
    q = textproc.parse_query("shebaoka")
    assert "she_bao" in q.pinyin
    assert "社保" in q.bigrams


def test_bad_queries_are_empty_not_errors():
    for raw in ["", "   ", "？？！！。。", "😀😀🙏", "<script>", "。" * 10000]:
        assert textproc.parse_query(raw).empty or raw == "<script>"


def test_overlong_query_is_cut():
    q = textproc.parse_query("社保卡" * 5000)
    assert len(q.text) == textproc.MAX_QUERY_CHARS


def test_snippet_escapes_html_and_marks_terms():
    text = "<b>注意</b>：社保卡遗失后请携带身份证到窗口补领。"
    out = textproc.snippet(text, ["社保卡", "补领"])
    assert "<b>" not in out
    assert "&lt;b&gt;" in out
    assert "<mark>社保卡</mark>" in out
    assert "<mark>补领</mark>" in out


def test_sanitise_html_removes_script_and_handlers():
    dirty = '<p onclick="x()">好<script>alert(1)</script><a href="javascript:alert(1)">链接</a></p>'
    clean = textproc.sanitise_html(dirty)
    assert "script" not in clean
    assert "onclick" not in clean
    assert "javascript" not in clean
    assert "好" in clean
