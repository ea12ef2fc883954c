"""Keeping the search index in step with published articles (runs in the worker).

``index_articles(ids)`` re-reads the articles and upserts or deletes them; ``index_rebuild()``
rebuilds everything (``hotline reindex``). Passage embeddings are cached by content hash in
:class:`Embedding`, so a rebuild re-embeds only what changed.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import numpy as np
from django.conf import settings
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


def embeddings_for(docs: list[IndexDoc]) -> dict[int, np.ndarray]:
    """Return the passage vectors of ``docs`` (one row per ``IndexDoc.passages()``),
    computing only those not in the cache."""
    if not settings.KB_SEMANTIC or not docs:
        return {}
    texts = {d.id: d.passages() for d in docs}
    hashes = {t: embeddings.content_hash(t) for ts in texts.values() for t in ts}
    cached = {
        e.content_hash: np.frombuffer(bytes(e.vector), dtype=np.float32)
        for e in Embedding.objects.filter(
            content_hash__in=set(hashes.values()), model=embeddings.MODEL_NAME
        )
    }
    missing = [t for t in hashes if hashes[t] not in cached]
    for start in range(0, len(missing), 16):
        batch = missing[start : start + 16]
        vectors = embeddings.embed_passages(batch)
        for text, vector in zip(batch, vectors, strict=True):
            cached[hashes[text]] = vector
            Embedding.objects.get_or_create(
                content_hash=hashes[text],
                model=embeddings.MODEL_NAME,
                defaults={"vector": vector.astype(np.float32).tobytes()},
            )
    return {d.id: np.stack([cached[hashes[t]] for t in texts[d.id]]) for d in docs}


def _articles() -> Iterator[Article]:
    return (
        Article.objects.select_related("live_version__unit")
        .prefetch_related("areas")
        .filter(live_version__isnull=False)
        .exclude(status=Status.WITHDRAWN)
        .iterator(chunk_size=500)
    )


def index_articles(ids: list[int]) -> dict[str, int]:
    """Upsert the searchable ones among ``ids`` and delete the rest from the index."""
    articles = (
        Article.objects.select_related("live_version__unit")
        .prefetch_related("areas")
        .filter(pk__in=ids)
    )
    docs = [d for d in (index_doc_for(a) for a in articles) if d is not None]
    keep = {d.id for d in docs}
    index = get_index()
    gone = [i for i in ids if i not in keep]
    if gone:
        index.delete(gone)
    if docs:
        index.upsert(docs, embeddings_for(docs))
    return {"indexed": len(docs), "removed": len(gone)}


def index_rebuild() -> int:
    """Rebuild the whole index from the database; return the number of articles indexed."""
    docs = [d for d in (index_doc_for(a) for a in _articles()) if d is not None]
    vectors = embeddings_for(docs)
    return get_index().rebuild(docs, vectors)
