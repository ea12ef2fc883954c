"""Relevance of knowledge search on citizens' phone wording (issue 6, "Quality and speed").

Indexes the demo corpus (src/hotline/knowledge/demo/articles.json) and asks the questions in
tests/knowledge/relevance.json. Prints recall@1, recall@5 and MRR@10 for our search (lexical
only, semantic only and fused) and for two baselines: plain substring (LIKE) search and SQLite
FTS5 with the trigram tokenizer. ``--tune`` grid-searches the fusion weights.

    .venv/bin/python bench/kb_relevance.py [--tune]

Passage embeddings are cached in var/kb-bench-embeddings.npz (first run: about a minute).
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as hotline.knowledge does

import argparse
import json
import re
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

import numpy as np  # noqa: E402

from hotline.knowledge import embeddings, textproc  # noqa: E402
from hotline.knowledge.engine import Filters, Fusion, IndexDoc, SearchIndex  # noqa: E402

CORPUS = ROOT / "src/hotline/knowledge/demo/articles.json"
QUESTIONS = ROOT / "tests/knowledge/relevance.json"
CACHE = ROOT / "var/kb-bench-embeddings.npz"
DISTRICT = ROOT / "src/hotline/directory/demo/district.json"


def load_docs() -> list[IndexDoc]:
    articles = json.loads(CORPUS.read_text(encoding="utf-8"))
    return [
        IndexDoc(
            id=n + 1,
            external_id=a["external_id"],
            title=a["title"],
            kind=a["kind"],
            unit=a["unit_code"],
            public=a.get("public", True),
            answer=a.get("answer", ""),
            body=textproc.html_to_text(a.get("body", "")),
            keywords=a.get("keywords", []),
            published=int(time.time()),
        )
        for n, a in enumerate(articles)
    ]


def gazetteer_words() -> list[str]:
    district = json.loads(DISTRICT.read_text(encoding="utf-8"))
    words: list[str] = []

    def walk(areas: list[dict]) -> None:
        for area in areas:
            words.append(area["name"])
            words.extend(area.get("aliases", []))
            walk(area.get("children", []))

    walk(district.get("areas", []))
    words.extend(u["name"] for u in district.get("units", []))
    return words


def passage_vectors(docs: list[IndexDoc]) -> dict[int, np.ndarray]:
    cache: dict[str, np.ndarray] = {}
    if CACHE.exists():
        with np.load(CACHE) as data:
            cache = {k: data[k] for k in data.files}
    keys = {d.id: embeddings.content_hash(d.passage()) for d in docs}
    missing = [d for d in docs if keys[d.id] not in cache]
    if missing:
        print(f"embedding {len(missing)} passages …", file=sys.stderr)
        for start in range(0, len(missing), 16):
            batch = missing[start : start + 16]
            for doc, vec in zip(
                batch, embeddings.embed_passages([d.passage() for d in batch]), strict=True
            ):
                cache[keys[doc.id]] = vec
        CACHE.parent.mkdir(exist_ok=True)
        np.savez(CACHE, **cache)
    return {d.id: cache[keys[d.id]] for d in docs}


def evaluate(rank: Callable[[str], list[str]], questions: list[dict]) -> dict[str, float]:
    r1 = r5 = mrr = 0.0
    for item in questions:
        ranked = rank(item["q"])[:10]
        relevant = set(item["relevant"])
        positions = [i for i, ext in enumerate(ranked) if ext in relevant]
        if positions:
            first = positions[0]
            r1 += first == 0
            r5 += first < 5
            mrr += 1 / (first + 1)
    n = len(questions)
    return {"recall@1": r1 / n, "recall@5": r5 / n, "mrr@10": mrr / n}


def like_baseline(docs: list[IndexDoc]) -> Callable[[str], list[str]]:
    db = sqlite3.connect(":memory:")
    db.execute("create table a (ext text, title text, answer text, body text)")
    db.executemany(
        "insert into a values (?,?,?,?)", [(d.external_id, d.title, d.answer, d.body) for d in docs]
    )

    def rank(q: str) -> list[str]:
        pieces = [p for p in re.split(r"[\s,。,!?？！、]+", q.strip()) if p][:5]
        if not pieces:
            return []
        where = " and ".join("(title like ? or answer like ? or body like ?)" for _ in pieces)
        args = [f"%{p}%" for p in pieces for _ in range(3)]
        order = " + ".join("(title like ?)" for _ in pieces)
        rows = db.execute(
            f"select ext from a where {where} order by {order} desc limit 10",  # noqa: S608
            [*args, *[f"%{p}%" for p in pieces]],
        )
        return [r[0] for r in rows]

    return rank


def fts5_trigram_baseline(docs: list[IndexDoc]) -> Callable[[str], list[str]]:
    db = sqlite3.connect(":memory:")
    db.execute(
        "create virtual table a using fts5(ext unindexed, title, answer, body, tokenize='trigram')"
    )
    db.executemany(
        "insert into a values (?,?,?,?)", [(d.external_id, d.title, d.answer, d.body) for d in docs]
    )

    def rank(q: str) -> list[str]:
        text = re.sub(r"[\s\"'*:^(){}\[\],。,!?？！、]+", "", q)
        grams = {text[i : i + 3] for i in range(max(0, len(text) - 2))}
        if not grams:
            return []
        match = " OR ".join(f'"{g}"' for g in sorted(grams))
        rows = db.execute(
            "select ext from a where a match ? order by bm25(a, 0, 3.0, 1.5, 1.0) limit 10", [match]
        )
        return [r[0] for r in rows]

    return rank


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tune", action="store_true", help="grid-search the fusion weights")
    args = parser.parse_args()
    questions = json.loads(QUESTIONS.read_text(encoding="utf-8"))["questions"]
    docs = load_docs()
    textproc.dictionary_add(gazetteer_words())
    vectors = passage_vectors(docs)
    index = SearchIndex(Path(tempfile.mkdtemp(prefix="kb-rel-")))
    index.rebuild(docs, vectors)
    ext_of = {d.id: d.external_id for d in docs}
    qvecs = {item["q"]: embeddings.embed_query(item["q"]) for item in questions}
    filters = Filters()

    def ours(fusion: Fusion | None, semantic: bool) -> Callable[[str], list[str]]:
        def rank(q: str) -> list[str]:
            hits = index.search(
                textproc.parse_query(q),
                filters,
                limit=10,
                qvec=qvecs[q] if semantic else None,
                fusion=fusion,
            )
            return [ext_of[h.id] for h in hits]

        return rank

    def semantic_only(q: str) -> list[str]:
        found = index.semantic(qvecs[q], filters, 10)
        return [ext_of[i] for i, _ in found]

    if args.tune:
        best = None
        for lex in (0.2, 0.3, 0.4, 0.45, 0.5, 0.6, 0.7):
            for floor in (0.70, 0.75, 0.78, 0.80, 0.82, 0.84):
                fusion = Fusion(lexical=lex, semantic=1 - lex, floor=floor)
                m = evaluate(ours(fusion, True), questions)
                key = (m["recall@5"], m["mrr@10"])
                print(
                    f"lexical={lex:.2f} floor={floor:.2f}  r@1={m['recall@1']:.3f} "
                    f"r@5={m['recall@5']:.3f} mrr={m['mrr@10']:.3f}"
                )
                if best is None or key > best[0]:
                    best = (key, lex, floor)
        print("best:", best)
        return

    rows = [
        ("ours: lexical only", evaluate(ours(None, False), questions)),
        ("ours: semantic only", evaluate(semantic_only, questions)),
        ("ours: fused (default)", evaluate(ours(None, True), questions)),
        ("baseline: LIKE substring", evaluate(like_baseline(docs), questions)),
        ("baseline: FTS5 trigram", evaluate(fts5_trigram_baseline(docs), questions)),
    ]
    print(f"corpus: {len(docs)} articles, {len(questions)} questions")
    print(f"{'method':<28}{'recall@1':>10}{'recall@5':>10}{'MRR@10':>10}")
    for name, m in rows:
        print(f"{name:<28}{m['recall@1']:>10.3f}{m['recall@5']:>10.3f}{m['mrr@10']:>10.3f}")


if __name__ == "__main__":
    main()
