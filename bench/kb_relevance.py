"""Relevance of knowledge search on citizens' phone wording (issues 6 and 18).

Two evaluations:

- **project set**: the demo corpus (src/hotline/knowledge/demo/articles.json) and the 155
  questions of tests/knowledge/relevance.json. Decision 0007's weights were tuned on it, so it
  is not a fair test of anything tuned before issue 18.
- **government FAQ** (issue 18): every article of the de-duplicated gov_qa_2081.csv, with
  hand-written phone paraphrases (tests/knowledge/govqa_paraphrases.json, see
  bench/kb_govqa.py). The articles are split by a fixed seed; only the **tune** part's
  questions were used to choose anything (``--tune``); the **test** part is the figure.

For each it prints recall@1, recall@5 and MRR@10 of our search, lexical only, semantic only
and fused, as it is now and as decision 0007 had it (one passage per article, linear fusion
0.4/0.6), and two baselines: substring (LIKE) search and SQLite FTS5 with the trigram
tokenizer.

    .venv/bin/python bench/kb_relevance.py [--tune] [--only project|govqa]

Passage embeddings are cached in var/kb-bench-embeddings.npz (first run: about 15 minutes on
two cores).
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
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

import kb_govqa  # noqa: E402
import numpy as np  # noqa: E402

from hotline.knowledge import embeddings, textproc  # noqa: E402
from hotline.knowledge.engine import Filters, Fusion, IndexDoc, SearchIndex  # noqa: E402

CORPUS = ROOT / "src/hotline/knowledge/demo/articles.json"
QUESTIONS = ROOT / "tests/knowledge/relevance.json"
CACHE = ROOT / "var/kb-bench-embeddings.npz"
DISTRICT = ROOT / "src/hotline/directory/demo/district.json"
#: Decision 0007's fusion, for the "before" rows.
FUSION_0007 = Fusion(method="linear", lexical=0.4, semantic=0.6, floor=0.84, freshness=0.03)

Rank = Callable[[str], list[str]]


def answer_wording(body: str) -> str:
    """The answer (口径) the demo corpus takes from a body: its first sentences, ≤160 chars."""
    out = ""
    for sentence in re.split(r"(?<=[。；;])", body):
        if len(out) + len(sentence) > 160:
            break
        out += sentence
    return out or body[:160]


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


def govqa_docs() -> list[IndexDoc]:
    return [
        IndexDoc(
            id=n + 1,
            external_id=a["external_id"],
            title=a["title"],
            kind="qa",
            unit=a["unit"][:32],
            public=True,
            answer=answer_wording(a["body"]),
            body=a["body"],
            published=int(time.time()),
        )
        for n, a in enumerate(kb_govqa.articles())
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


class VectorCache:
    """Passage embeddings by content hash (as the ``Embedding`` table keeps them)."""

    def __init__(self) -> None:
        self.cache: dict[str, np.ndarray] = {}
        if CACHE.exists():
            with np.load(CACHE) as data:
                self.cache = {k: data[k] for k in data.files}
        self.dirty = False

    def vectors(self, texts: list[str], *, as_query: bool = False) -> np.ndarray:
        keys = [embeddings.content_hash(t, as_query=as_query) for t in texts]
        missing = sorted({t for t, k in zip(texts, keys, strict=True) if k not in self.cache})
        if missing:
            kind = "questions" if as_query else "passages"
            print(f"embedding {len(missing)} {kind} …", file=sys.stderr)
            embed = embeddings.embed_questions if as_query else embeddings.embed_passages
            for start in range(0, len(missing), 16):
                batch = missing[start : start + 16]
                for text, vec in zip(batch, embed(batch), strict=True):
                    self.cache[embeddings.content_hash(text, as_query=as_query)] = vec
            self.dirty = True
        return np.stack([self.cache[k] for k in keys])

    def save(self) -> None:
        if self.dirty:
            CACHE.parent.mkdir(exist_ok=True)
            np.savez(CACHE, **self.cache)


def evaluate(rank: Rank, questions: list[dict]) -> dict[str, float]:
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
    n = max(1, len(questions))
    return {"recall@1": r1 / n, "recall@5": r5 / n, "mrr@10": mrr / n}


def like_baseline(docs: list[IndexDoc]) -> Rank:
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


def fts5_trigram_baseline(docs: list[IndexDoc]) -> Rank:
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


@dataclass
class Engine:
    """One corpus indexed three times: as now (every passage and the question), as decision
    0011 (every passage) and as decision 0007 (the first passage only)."""

    docs: list[IndexDoc]
    now: SearchIndex
    before: SearchIndex
    passages_only: SearchIndex
    qvecs: dict[str, np.ndarray]

    @classmethod
    def build(cls, docs: list[IndexDoc], cache: VectorCache, questions: list[dict]) -> Engine:
        passages = {d.id: d.passages() for d in docs}
        flat = [t for d in docs for t in passages[d.id]]
        matrix = cache.vectors(flat)
        asked = cache.vectors([d.question() for d in docs], as_query=True)
        vectors: dict[int, np.ndarray] = {}
        only: dict[int, np.ndarray] = {}
        first: dict[int, np.ndarray] = {}
        row = 0
        for n, d in enumerate(docs):
            count = len(passages[d.id])
            vectors[d.id] = np.vstack([matrix[row : row + count], asked[n]])
            only[d.id] = matrix[row : row + count]
            first[d.id] = matrix[row]
            row += count
        cache.save()
        now = SearchIndex(Path(tempfile.mkdtemp(prefix="kb-rel-")))
        now.rebuild(docs, vectors)
        before = SearchIndex(Path(tempfile.mkdtemp(prefix="kb-rel-0007-")))
        before.rebuild(docs, first)
        passages_only = SearchIndex(Path(tempfile.mkdtemp(prefix="kb-rel-0011-")))
        passages_only.rebuild(docs, only)
        qvecs = {item["q"]: embeddings.embed_query(item["q"]) for item in questions}
        return cls(docs, now, before, passages_only, qvecs)

    def ranker(self, signal: str, fusion: Fusion | None = None, *, before: str = "") -> Rank:
        index = {"": self.now, "0007": self.before, "0011": self.passages_only}[before]
        ext_of = {d.id: d.external_id for d in self.docs}
        filters = Filters()

        def rank(q: str) -> list[str]:
            if signal == "semantic":
                return [ext_of[i] for i, _ in index.semantic(self.qvecs[q], filters, 10)]
            hits = index.search(
                textproc.parse_query(q),
                filters,
                limit=10,
                qvec=self.qvecs[q] if signal == "fused" else None,
                fusion=fusion,
            )
            return [ext_of[h.id] for h in hits]

        return rank


def table(title: str, rows: list[tuple[str, dict[str, float]]]) -> None:
    print(f"\n{title}")
    print(f"  {'method':<40}{'recall@1':>10}{'recall@5':>10}{'MRR@10':>10}")
    for name, m in rows:
        print(f"  {name:<40}{m['recall@1']:>10.3f}{m['recall@5']:>10.3f}{m['mrr@10']:>10.3f}")


def standard_rows(engine: Engine, questions: list[dict]) -> list[tuple[str, dict[str, float]]]:
    return [
        ("ours: lexical only", evaluate(engine.ranker("lexical"), questions)),
        (
            "ours: semantic only (passage + question)",
            evaluate(engine.ranker("semantic"), questions),
        ),
        ("ours: fused (default)", evaluate(engine.ranker("fused"), questions)),
        (
            "0011: semantic only (best passage)",
            evaluate(engine.ranker("semantic", before="0011"), questions),
        ),
        ("0011: fused", evaluate(engine.ranker("fused", before="0011"), questions)),
        (
            "0007: semantic only (first passage)",
            evaluate(engine.ranker("semantic", before="0007"), questions),
        ),
        (
            "0007: fused (linear 0.4/0.6)",
            evaluate(engine.ranker("fused", FUSION_0007, before="0007"), questions),
        ),
        ("baseline: LIKE substring", evaluate(like_baseline(engine.docs), questions)),
        ("baseline: FTS5 trigram", evaluate(fts5_trigram_baseline(engine.docs), questions)),
    ]


def tune(engine: Engine, questions: list[dict], project: Engine, asked: list[dict]) -> None:
    """Sweep the fusion's few knobs on the tuning part only; where the tuning part cannot tell
    settings apart, the project set (seen since decision 0007) breaks the tie (decision 0015).
    The test part is never read here."""
    results = []
    for coverage in (0.0, 0.4, 0.5, 0.6, 0.7, 0.8):
        for lead in (0.0, 1.1, 1.2, 1.3, 1.5):
            for guard in (1, 2):
                for keep in (0, 4):
                    fusion = Fusion(guard=guard, coverage=coverage, keep=keep, lead=lead)
                    m = evaluate(engine.ranker("fused", fusion), questions)
                    p = evaluate(project.ranker("fused", fusion), asked)
                    key = (
                        m["recall@5"],
                        round(m["mrr@10"], 3),
                        round(p["recall@5"], 3),
                        round(p["mrr@10"], 3),
                    )
                    results.append((key, coverage, lead, guard, keep))
                    print(
                        f"coverage={coverage:.1f} lead={lead:.1f} guard={guard} keep={keep}  "
                        f"tune r@1={m['recall@1']:.3f} r@5={m['recall@5']:.3f} "
                        f"mrr={m['mrr@10']:.3f}  project r@5={p['recall@5']:.3f} "
                        f"mrr={p['mrr@10']:.3f}"
                    )
    best = max(r[0] for r in results)
    print("best, tied (coverage, lead, guard, keep):", [r[1:] for r in results if r[0] == best])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tune", action="store_true", help="grid-search on the tuning part")
    parser.add_argument("--only", choices=["project", "govqa"])
    args = parser.parse_args()
    textproc.dictionary_add(gazetteer_words())
    cache = VectorCache()
    if args.only != "project":
        parts = kb_govqa.load_paraphrases()
        docs = govqa_docs()
        engine = Engine.build(docs, cache, parts["tune"] + parts["test"])
        if args.tune:
            asked = json.loads(QUESTIONS.read_text(encoding="utf-8"))["questions"]
            project = Engine.build(load_docs(), cache, asked)
            tune(engine, parts["tune"], project, asked)
            return
        head = f"government FAQ ({len(docs)} articles, split seed {kb_govqa.SEED})"
        table(
            f"{head}: TUNE part, {len(parts['tune'])} questions (used for tuning)",
            standard_rows(engine, parts["tune"]),
        )
        table(
            f"{head}: TEST part, {len(parts['test'])} questions (never used for tuning)",
            standard_rows(engine, parts["test"]),
        )
    if args.only != "govqa" and not args.tune:
        questions = json.loads(QUESTIONS.read_text(encoding="utf-8"))["questions"]
        docs = load_docs()
        engine = Engine.build(docs, cache, questions)
        table(
            f"project set ({len(docs)} demo articles, {len(questions)} questions; "
            "decision 0007 was tuned on it)",
            standard_rows(engine, questions),
        )


if __name__ == "__main__":
    main()
