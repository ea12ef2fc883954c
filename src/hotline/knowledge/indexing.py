"""Keeping the search index in step with published articles.

Two passes (decision 0010):

- **lexical**, applied by every machine's follower (``follow.py``) right after a change
  commits: ``index_articles(ids)`` re-reads the articles and upserts or deletes them in tantivy,
  with the passage vectors already in the :class:`Embedding` cache, never computing one, so an
  article is searchable within a second or two even while the worker is busy embedding;
  ``index_rebuild()`` rebuilds everything the same way (``hotline reindex``, a fresh machine).
- **semantic**, the embedding pass in the worker: ``embed_pending(ids)`` computes the vectors
  missing from the cache, stores them and writes ``IndexChange(vectors=True)`` rows, so every
  machine adds those vectors (and only those) to its vector store. Until then the article
  simply lacks the semantic signal.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from datetime import date

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from hotline.knowledge import embeddings, textproc
from hotline.knowledge.engine import NO_END, IndexDoc
from hotline.knowledge.models import Article, Embedding, Status
from hotline.knowledge.search import get_index


def _ymd(day: date | None, default: int) -> int:
    return day.year * 10000 + day.month * 100 + day.day if day else default


def index_doc_for(article: Article, *, today: date | None = None) -> IndexDoc | None:
    """Return the index document of the article's live version, or None if it is not
    searchable (unpublished, withdrawn, or past its validity)."""
    version = article.live_version
    if version is None or article.status == Status.WITHDRAWN:
        return None
    today = today or timezone.localdate()
    if version.valid_to is not None and version.valid_to < today:
        return None
    return IndexDoc(
        id=article.pk,
        external_id=article.external_id,
        title=version.title,
        kind=version.kind,
        unit=version.unit.code,
        public=version.is_public,
        answer=version.answer,
        body=textproc.html_to_text(version.body),
        keywords=[*version.keywords, *version.synonyms],
        areas=[a.code for a in article.areas.all()],
        version=version.number,
        published=int(version.published_at.timestamp()),
        valid_from=_ymd(version.valid_from, 0),
        valid_to=_ymd(version.valid_to, NO_END),
    )


def _text_hashes(docs: list[IndexDoc]) -> dict[tuple[str, bool], str]:
    """Every text embedded for ``docs`` (``IndexDoc.embedded()``) → its content hash."""
    return {(t, q): embeddings.content_hash(t, as_query=q) for d in docs for t, q in d.embedded()}


def _cached(hashes: Iterable[str]) -> dict[str, np.ndarray]:
    unique = list(set(hashes))
    cached: dict[str, np.ndarray] = {}
    for start in range(0, len(unique), 500):  # stay under SQLite's variable limit
        for content_hash, vector in Embedding.objects.filter(
            content_hash__in=unique[start : start + 500], model=embeddings.MODEL_NAME
        ).values_list("content_hash", "vector"):
            cached[content_hash] = np.frombuffer(bytes(vector), dtype=np.float32)
    return cached


def cached_vectors(docs: list[IndexDoc], *, complete: bool = False) -> dict[int, np.ndarray]:
    """Return, for the ``docs`` whose every passage is in the cache, their vectors: one row
    per passage, then the question's row when it is cached too (``complete``: only the docs
    whose question is cached as well); none is computed."""
    if not settings.KB_SEMANTIC or not docs:
        return {}
    hashes = _text_hashes(docs)
    cached = _cached(hashes.values())
    result = {}
    for d in docs:
        texts = d.embedded()
        passages = [hashes[t] for t in texts if not t[1]]
        question = hashes[texts[-1]]
        if not all(h in cached for h in passages):
            continue
        if question in cached:
            result[d.id] = np.stack([cached[h] for h in [*passages, question]])
        elif not complete:
            result[d.id] = np.stack([cached[h] for h in passages])
    return result


def _embed(docs: list[IndexDoc]) -> list[Embedding]:
    """Compute the vectors of ``docs`` missing from the cache, passages and questions
    (unsaved cache rows; no database write, so no lock is held while the model runs)."""
    hashes = _text_hashes(docs)
    cached = _cached(hashes.values())
    rows = []
    for as_query in (False, True):
        missing = [t for (t, q), h in hashes.items() if q == as_query and h not in cached]
        embed = embeddings.embed_questions if as_query else embeddings.embed_passages
        for start in range(0, len(missing), 16):
            batch = missing[start : start + 16]
            for text, vector in zip(batch, embed(batch), strict=True):
                rows.append(
                    Embedding(
                        content_hash=hashes[(text, as_query)],
                        model=embeddings.MODEL_NAME,
                        vector=vector.astype(np.float32).tobytes(),
                    )
                )
    return rows


def _articles() -> Iterator[Article]:
    return (
        Article.objects.select_related("live_version__unit")
        .prefetch_related("areas")
        .filter(live_version__isnull=False)
        .exclude(status=Status.WITHDRAWN)
        .iterator(chunk_size=500)
    )


def _docs(ids: list[int]) -> list[IndexDoc]:
    articles = (
        Article.objects.select_related("live_version__unit")
        .prefetch_related("areas")
        .filter(pk__in=ids)
    )
    return [d for d in (index_doc_for(a) for a in articles) if d is not None]


def index_articles(ids: list[int], *, vectors_only: list[int] | None = None) -> dict[str, int]:
    """Upsert the searchable ones among ``ids`` and delete the rest from the index, in one
    commit, with the vectors already cached; for ``vectors_only`` (the embedding pass caught
    up with them) update only the vector store."""
    docs = _docs(ids) if ids else []
    keep = {d.id for d in docs}
    index = get_index()
    gone = [i for i in ids if i not in keep]
    if gone:
        index.delete(gone)
    if docs:
        index.upsert(docs, cached_vectors(docs))
    wanted = sorted(set(vectors_only or []) - set(ids))
    refreshed = _docs(wanted) if wanted else []
    if refreshed:
        index.upsert_vectors(refreshed, cached_vectors(refreshed))
    return {"indexed": len(docs), "removed": len(gone), "vectors": len(refreshed)}


def index_rebuild() -> int:
    """Rebuild the whole index from the database with the cached vectors; return the number
    of articles indexed (the embedding pass adds the vectors still missing)."""
    docs = [d for d in (index_doc_for(a) for a in _articles()) if d is not None]
    return get_index().rebuild(docs, cached_vectors(docs))


#: Articles embedded per committed batch of the embedding pass (about 10-20 s of work on the
#: two-core machine): each batch's vectors reach every machine's index on its own.
EMBED_BATCH = 64


def embed_pending(ids: list[int] | None = None, *, max_seconds: float | None = None) -> int:
    """The embedding pass (worker): compute the passage vectors missing from the cache for
    ``ids`` (default: the articles of this machine's index without a vector), store them and
    record ``IndexChange(vectors=True)`` rows so that every machine picks them up. Commits
    per :data:`EMBED_BATCH` articles; stops after ``max_seconds``. Returns how many articles
    got a new vector."""
    from hotline.knowledge.follow import changes_record

    if not settings.KB_SEMANTIC:
        return 0
    if ids is None:
        index = get_index()
        ids = sorted(index.ids() - index.vector_ids())
    started = time.monotonic()
    done = 0
    for start in range(0, len(ids), EMBED_BATCH):
        docs = _docs(ids[start : start + EMBED_BATCH])
        missing = [d for d in docs if d.id not in cached_vectors(docs, complete=True)]
        if missing:
            rows = _embed(missing)
            with transaction.atomic():  # short: the model ran before
                Embedding.objects.bulk_create(rows, ignore_conflicts=True)
                changes_record([d.id for d in missing], vectors=True)
            done += len(missing)
        if max_seconds is not None and time.monotonic() - started > max_seconds:
            break
    return done
