"""Knowledge search: the one function pages and the API call (``kb_search``).

It parses the query (``textproc.parse_query``), asks the backend for lexical matches and, when
the semantic signal is on, fuses them with the query embedding's nearest passages. Public
callers get only public articles: the filter is applied inside the index, so internal
articles never reach results, snippets or suggestions.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from threading import Lock
from typing import Protocol

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
    query = textproc.parse_query(q or "")
    if query.empty:
        return []
    today = timezone.localdate()
    filters = Filters(
        public_only=public_only,
        kinds=[kind] if kind else [],
        units=[unit] if unit else [],
        areas=list(areas or []),
        today=today.year * 10000 + today.month * 100 + today.day,
    )
    follow_if_due()  # apply changes published through other machines (knowledge/follow.py)
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
