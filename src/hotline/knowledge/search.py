"""Knowledge search: the one function pages and the API call (``kb_search``).

It parses the query (``textproc.parse_query``), asks the backend for lexical matches and, when
the semantic signal is on, fuses them with the query embedding's nearest passages. Public
callers get only public articles: the filter is applied inside the index, so internal
articles never reach results, snippets or suggestions.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from threading import Lock
from typing import Any, Protocol

import numpy as np
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from hotline.knowledge import textproc
from hotline.knowledge.engine import Filters, Fusion, Hit, IndexDoc, SearchIndex
from hotline.knowledge.follow import follow_if_due

MAX_LIMIT = 50


class SearchBackend(Protocol):
    """What a search backend provides: the embedded tantivy index, or a cluster (OpenSearch)
    for large deployments, selected by ``HOTLINE_KB_SEARCH_BACKEND``."""

    def upsert(
        self, docs: list[IndexDoc], vectors: dict[int, np.ndarray] | None = None
    ) -> None: ...

    def upsert_vectors(self, docs: list[IndexDoc], vectors: dict[int, np.ndarray]) -> None: ...

    def delete(self, ids: list[int]) -> None: ...

    def ids(self) -> set[int]: ...

    def vector_ids(self) -> set[int]: ...

    def rebuild(self, docs: list[IndexDoc], vectors: dict[int, np.ndarray]) -> int: ...

    def search(
        self,
        query: textproc.ParsedQuery,
        filters: Filters,
        *,
        limit: int = 10,
        qvec: np.ndarray | None = None,
        fusion: Fusion | None = None,
        now: float | None = None,
    ) -> list[Hit]: ...

    def num_docs(self) -> int: ...


_indexes: dict[Path, SearchIndex] = {}
_lock = Lock()


def get_index() -> SearchBackend:
    """Return the configured backend (one per index directory and process)."""
    backend = settings.KB_SEARCH_BACKEND
    if backend != "tantivy":
        raise ImproperlyConfigured(f"Unknown HOTLINE_KB_SEARCH_BACKEND: {backend!r}")
    path = Path(settings.KB_INDEX_DIR)
    with _lock:
        if path not in _indexes:
            _gazetteer_to_dictionary()
            textproc.parse_query("预热")  # load the pinyin table and dictionary (~0.4 s) now
            _indexes[path] = SearchIndex(path)
        return _indexes[path]


def _gazetteer_to_dictionary() -> None:
    """Teach the segmenter the district's place names and unit names (once per process)."""
    from hotline.directory.models import Area, Unit

    names: list[str] = []
    for name, aliases in Area.objects.values_list("name", "aliases"):
        names.append(name)
        names.extend(a for a in aliases or [] if isinstance(a, str))
    names.extend(Unit.objects.values_list("name", flat=True))
    names.extend(n for n in Unit.objects.values_list("short_name", flat=True) if n)
    textproc.dictionary_add(names)


def reset_index_cache() -> None:
    """Forget open indexes (tests switch directories)."""
    with _lock:
        _indexes.clear()
        _vocabulary.clear()


_vocabulary: dict[str, Any] = {}
#: The maintained vocabulary is re-read at least this often (units edit their lists without
#: touching the index); an index change re-reads it at once.
VOCABULARY_SECONDS = 60.0


def maintained_rewrites() -> list[tuple[list[str], list[str]]]:
    """Return the one-way query rewrites that articles and units maintain (KB-2).

    An article's synonyms lead to its keywords (or its title when it has none): a caller
    who says 二代证 also searches 身份证. A unit's responsibility keywords lead to the
    matter they belong to: 屋顶漏水 also searches 住宅专项维修资金使用.
    """
    from hotline.directory.models import ResponsibilityItem
    from hotline.knowledge.models import Article, Status

    rewrites: list[tuple[list[str], list[str]]] = []
    articles = (
        Article.objects.filter(live_version__isnull=False)
        .exclude(status=Status.WITHDRAWN)
        .exclude(live_version__synonyms=[])
        .values_list("live_version__synonyms", "live_version__keywords", "live_version__title")
    )
    for synonyms, keywords, title in articles:
        if isinstance(synonyms, list) and synonyms:
            targets = [k for k in keywords or [] if isinstance(k, str)] or [title]
            rewrites.append(([s for s in synonyms if isinstance(s, str)], targets))
    for keywords, matter in ResponsibilityItem.objects.filter(active=True).values_list(
        "keywords", "matter"
    ):
        if isinstance(keywords, list) and keywords:
            rewrites.append(([k for k in keywords if isinstance(k, str)], [matter]))
    return rewrites


def vocabulary() -> textproc.Synonyms:
    """Return ``data/synonyms.txt`` plus the maintained rewrites, re-read when this
    machine's index changed or after ``VOCABULARY_SECONDS``."""
    meta = Path(settings.KB_INDEX_DIR) / "meta.json"
    try:
        stamp = meta.stat().st_mtime_ns
    except OSError:
        stamp = 0
    key = (str(meta), stamp, int(time.monotonic() // VOCABULARY_SECONDS))
    with _lock:
        if _vocabulary.get("key") == key:
            return _vocabulary["value"]  # type: ignore[no-any-return]
    value = textproc.default_synonyms().with_rewrites(maintained_rewrites())
    with _lock:
        _vocabulary.update(key=key, value=value)
    return value


@dataclass
class Result:
    id: int
    external_id: str
    title: str
    snippet: str
    score: float
    kind: str
    version: int


def kb_search(
    q: str,
    *,
    limit: int = 10,
    kind: str = "",
    unit: str = "",
    areas: list[str] | None = None,
    public_only: bool,
    semantic: bool | None = None,
) -> list[Result]:
    """Return the best matches for a citizen's wording, best first (KB-2).

    Articles outside their validity are never returned. ``public_only`` restricts to public
    articles (the public page and API). Bad input gives no results, never an error.
    """
    limit = max(1, min(int(limit or 10), MAX_LIMIT))
    if textproc.parse_query(q or "").empty:
        return []
    follow_if_due()  # apply changes published through other machines (knowledge/follow.py)
    query = textproc.parse_query(q or "", vocabulary())
    today = timezone.localdate()
    filters = Filters(
        public_only=public_only,
        kinds=[kind] if kind else [],
        units=[unit] if unit else [],
        areas=list(areas or []),
        today=today.year * 10000 + today.month * 100 + today.day,
    )
    use_semantic = settings.KB_SEMANTIC if semantic is None else semantic
    qvec = None
    if use_semantic:
        from hotline.knowledge.embeddings import embed_query

        qvec = embed_query(query.semantic_text)
    hits = get_index().search(query, filters, limit=limit, qvec=qvec)
    return [
        Result(
            id=h.id,
            external_id=h.external_id,
            title=h.title,
            snippet=h.snippet,
            score=h.score,
            kind=h.kind,
            version=h.version,
        )
        for h in hits
    ]
