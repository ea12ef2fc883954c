"""The embedded search engine: a tantivy index plus a numpy vector store, no Django.

Fields (all pre-tokenised by ``textproc`` and indexed with tantivy's whitespace tokenizer, so
index and query always agree):

=========== ============================================ ======
field       content                                      boost
=========== ============================================ ======
title_bg    character pairs of the title                 see FIELD_BOOSTS
kw_bg       character pairs of keywords and synonyms
answer_bg   character pairs of the answer wording (KB-7)
body_bg     character pairs of the body text
title_w     rjieba words of title and keywords
text_w      rjieba words of answer and body
py          pinyin syllable pairs of title, keywords, answer
=========== ============================================ ======

Lexical scores are BM25 summed over fields. The semantic signal is the cosine between the
query's embedding and each article's passage embedding (brute force over a float32 matrix,
fine to 100k articles). ``Fusion`` combines both; its defaults were tuned on the relevance set
in ``tests/knowledge/relevance.json`` with ``bench/kb_relevance.py``.

Only one process writes (the worker, or ``hotline reindex``): writes take an exclusive lock
file. Readers notice a commit by the index's ``meta.json`` and reload.
"""

from __future__ import annotations

import fcntl
import json
import math
import os
import re
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from threading import Lock
from typing import Any

import numpy as np
import tantivy

from hotline.knowledge import textproc

SCHEMA_VERSION = "3"
NO_END = 99991231
DIM = 384
#: Vector stores up to this size are scanned exactly; larger ones through sign bits first.
EXACT_LIMIT = 20_000
#: Candidates the sign-bit scan passes to the exact scoring.
RESCORE = 1_000

FIELD_BOOSTS: dict[str, float] = {
    "title_bg": 3.0,
    "kw_bg": 2.5,
    "answer_bg": 1.2,
    "body_bg": 0.6,
    "title_w": 2.0,
    "text_w": 0.8,
    "py": 1.2,
}
_BIGRAM_FIELDS = ("title_bg", "kw_bg", "answer_bg", "body_bg")
_WORD_FIELDS = ("title_w", "text_w")
#: Body text beyond this is not indexed (long attachments of regulations add noise, not recall).
MAX_BODY_CHARS = 3000
#: A long article's body is also embedded in pieces of about this many characters (each
#: after the title); its semantic score is the best cosine over its passages.
PIECE_CHARS = 200
#: At most this many passages per article (the first one and the body's pieces).
MAX_PASSAGES = 8
_SENTENCE_END = re.compile(r"(?<=[。；;！!？?\n])")


@dataclass
class IndexDoc:
    """What the engine knows about one published article version."""

    id: int
    external_id: str
    title: str
    kind: str
    unit: str
    public: bool
    answer: str = ""
    body: str = ""  # plain text
    keywords: list[str] = field(default_factory=list)
    areas: list[str] = field(default_factory=list)
    version: int = 1
    published: int = 0  # Unix seconds
    valid_from: int = 0  # yyyymmdd, 0: no start
    valid_to: int = NO_END  # yyyymmdd

    def passage(self) -> str:
        """Return the text embedded for the semantic signal (title, keywords, answer, body)."""
        parts = [self.title, " ".join(self.keywords), self.answer or self.body[:300]]
        return "。".join(p for p in parts if p)[:400]

    def passages(self) -> list[str]:
        """Return every text embedded for the article: ``passage()`` first, then, when the
        body goes on beyond what that covers, the body in pieces of about ``PIECE_CHARS``
        characters, each after the title (a long article is found by any of its parts)."""
        first = self.passage()
        body = self.body[:MAX_BODY_CHARS].strip()
        covered = self.answer or self.body[:300]
        if len(body) <= len(covered) + 40 and body[:60] in first:
            return [first]
        pieces: list[str] = []
        current = ""
        for sentence in _SENTENCE_END.split(body):
            sentence = sentence.strip()
            if not sentence:
                continue
            if current and len(current) + len(sentence) > PIECE_CHARS:
                pieces.append(current)
                current = ""
            current += sentence
            while len(current) > PIECE_CHARS * 1.5:
                pieces.append(current[:PIECE_CHARS])
                current = current[PIECE_CHARS:]
        if current:
            pieces.append(current)
        title = self.title[:60]
        out = [first]
        for piece in pieces:
            text = f"{title}。{piece}"
            if piece[:60] not in first and text not in out:
                out.append(text)
            if len(out) >= MAX_PASSAGES:
                break
        return out

    def question(self) -> str:
        """Return the text embedded as a question beside the passages: the title, which for a
        FAQ is the citizen's question (compared query to query, see ``VectorStore``)."""
        return self.title[:200]

    def embedded(self) -> list[tuple[str, bool]]:
        """Return every text embedded for the article as ``(text, as_query)``: its passages,
        then its question. A vector block (``SearchIndex.upsert``) has one row per item, in
        this order; a block of the passages alone is accepted too."""
        return [(p, False) for p in self.passages()] + [(self.question(), True)]

    def display_text(self) -> str:
        """Return the text snippets are cut from: the answer, then the body; a body that
        already holds the answer (an answer taken from its first sentences) is not preceded
        by it a second time."""
        answer, body = self.answer.strip(), self.body.strip()
        if answer and answer in body:
            answer = ""
        return (answer + "\n" + body).strip()[:MAX_BODY_CHARS]


@dataclass
class Filters:
    """Which documents may be returned."""

    public_only: bool = False
    kinds: list[str] = field(default_factory=list)
    units: list[str] = field(default_factory=list)
    areas: list[str] = field(default_factory=list)
    today: int = 0  # yyyymmdd; 0 disables the validity check


@dataclass
class Fusion:
    """How the lexical and the semantic ranking combine.

    ``method="rrf"`` (the default, decision 0011): reciprocal-rank fusion over the union of
    both signals' candidates, ``lexical / (rrf_k + lexical rank) + semantic / (rrf_k +
    semantic rank)``. Every candidate has a semantic rank (its cosine is computed); only
    lexical matches have a lexical rank. Ranks, not scores, are combined, so there is no
    score scale to tune; the weights stay 1 unless a tuning part says otherwise.

    Cross-check, first (``coverage``): the lexical ranking takes part only when its best
    hit contains at least that share of what the caller said (the query's character pairs,
    synonyms counted at their weight). A citizen who shares no words with the answer still
    gets lexical hits on filler pairs (办理, 需要); those must not push the semantic
    signal's answer down. Nor does it take part when its best hit does not stand out
    (``lead``, decision 0015: its BM25 score under that many times the second's) unless the
    semantic signal puts the same article first: a generic phrase (土地登记) matches many
    articles alike and which comes first is chance. Then (``guard``): the fused top
    ``2 * guard`` always holds each signal's top ``guard``; when the two signals agree on
    nothing in their top ``guard`` (they read the question differently) the fused list
    interleaves them, starting with the signal whose best answer the other one ranks higher.
    So fusion cannot bury what either signal is sure of. Last (``keep``, decision 0015): when
    the two signals' best answers differ, the fused top ``keep + 1`` holds the semantic
    signal's top ``keep``, so the lexical signal takes at most one of the first five places
    from it: on wording nobody tuned for the semantic signal is the stronger one, and a
    lexical hit that passed the checks can still be wrong. When both put the same answer
    first, that agreement confirms the lexical reading and the rest follows both.

    ``method="linear"`` is decision 0007's fusion (kept for the bench): the lexical score
    over the best one and the cosine rescaled between ``floor`` and the best cosine.

    ``piece_penalty`` is taken off the cosine of a long article's later passages (its body
    pieces), so that they find details without outvoting articles' first passages.

    ``freshness`` multiplies the fused score (0…1) by up to ``1 + freshness`` for a version
    published today, decaying over ``half_life_days``: a tie-breaker.
    """

    method: str = "rrf"
    lexical: float = 1.0
    semantic: float = 1.0
    rrf_k: float = 60.0
    guard: int = 2
    coverage: float = 0.6
    lead: float = 1.2
    keep: int = 4
    piece_penalty: float = 0.02
    floor: float = 0.84
    freshness: float = 0.005
    half_life_days: float = 365.0
    candidates: int = 50


@dataclass
class Hit:
    id: int
    external_id: str
    title: str
    kind: str
    version: int
    score: float
    lexical: float
    semantic: float
    snippet: str


def _schema() -> Any:
    sb = tantivy.SchemaBuilder()
    sb.add_integer_field("id", stored=True, indexed=True, fast=True)
    sb.add_bytes_field("doc", stored=True)
    for name in ("kind", "unit", "areas", "pub"):
        sb.add_text_field(name, stored=False, tokenizer_name="raw", index_option="basic")
    sb.add_integer_field("valid_from", indexed=True, fast=True)
    sb.add_integer_field("valid_to", indexed=True, fast=True)
    sb.add_integer_field("published", fast=True)
    for name in FIELD_BOOSTS:
        sb.add_text_field(name, stored=False, tokenizer_name="whitespace", index_option="freq")
    return sb.build()


def tantivy_document(doc: IndexDoc) -> Any:
    """Return the tantivy document for ``doc`` (tokenised here, in Python)."""
    keywords = " ".join(doc.keywords)
    body = doc.body[:MAX_BODY_CHARS]
    stored = {
        "external_id": doc.external_id,
        "title": doc.title,
        "kind": doc.kind,
        "version": doc.version,
        "text": doc.display_text(),
        "areas": doc.areas,
        "published": doc.published,
    }
    return tantivy.Document(
        id=doc.id,
        doc=json.dumps(stored, ensure_ascii=False).encode(),
        kind=doc.kind,
        unit=doc.unit,
        areas=doc.areas or ["-"],
        pub="1" if doc.public else "0",
        valid_from=doc.valid_from,
        valid_to=doc.valid_to,
        published=doc.published,
        title_bg=" ".join(textproc.bigrams(doc.title)),
        kw_bg=" ".join(textproc.bigrams(keywords)),
        answer_bg=" ".join(textproc.bigrams(doc.answer)),
        body_bg=" ".join(textproc.bigrams(body)),
        title_w=" ".join(textproc.words(doc.title + " " + keywords)),
        text_w=" ".join(textproc.words(doc.answer + " " + body)),
        py=" ".join(textproc.pinyin_pairs(doc.title + " " + keywords + " " + doc.answer[:200])),
    )


class VectorStore:
    """Embeddings beside the index: one row per embedded text of an article (its passages,
    see ``IndexDoc.passages``, then its question, see ``IndexDoc.question``), the article id
    of each row, and filter columns. An article's rows are contiguous.

    An article's semantic score is the mean of two cosines with the caller's query: the best
    of its passages (a later passage's less ``piece_penalty``), embedded as passages, and its
    question, embedded as a query, as e5 compares two questions (decision 0013). An article
    whose question is not embedded yet scores its best passage.
    """

    def __init__(self) -> None:
        self.ids = np.zeros(0, dtype=np.int64)
        self.matrix = np.zeros((0, DIM), dtype=np.float32)
        self.public = np.zeros(0, dtype=bool)
        self.kind = np.zeros(0, dtype="<U16")
        self.unit = np.zeros(0, dtype="<U32")
        self.valid_from = np.zeros(0, dtype=np.int32)
        self.valid_to = np.zeros(0, dtype=np.int32)
        #: 1 for an article's first passage, 0 for its later ones (body pieces)
        self.first = np.zeros(0, dtype=bool)
        #: 1 for an article's question row (embedded as a query)
        self.question = np.zeros(0, dtype=bool)
        self.row_of: dict[int, list[int]] = {}
        #: first row of each article's block, and the article id of each block
        self.starts = np.zeros(0, dtype=np.int64)
        self.block_of: dict[int, int] = {}
        self._bits_cache: np.ndarray | None = None
        self._centre = np.zeros(DIM, dtype=np.float32)

    def __len__(self) -> int:
        return len(self.ids)

    def _reindex_rows(self) -> None:
        self.row_of = {}
        for n, i in enumerate(self.ids.tolist()):
            self.row_of.setdefault(int(i), []).append(n)
        if len(self.ids):
            change = np.flatnonzero(self.ids[1:] != self.ids[:-1]) + 1
            self.starts = np.concatenate([[0], change]).astype(np.int64)
        else:
            self.starts = np.zeros(0, dtype=np.int64)
        self.block_of = {int(i): n for n, i in enumerate(self.ids[self.starts].tolist())}

    @classmethod
    def load(cls, path: Path) -> VectorStore:
        store = cls()
        if path.exists():
            with np.load(path, allow_pickle=False) as data:
                store.ids = data["ids"]
                store.matrix = data["matrix"]
                store.public = data["public"]
                store.kind = data["kind"]
                store.unit = data["unit"]
                store.valid_from = data["valid_from"]
                store.valid_to = data["valid_to"]
                store.first = (
                    data["first"] if "first" in data.files else np.ones(len(store.ids), bool)
                )
                store.question = (
                    data["question"] if "question" in data.files else np.zeros(len(store.ids), bool)
                )
        store._reindex_rows()
        return store

    def save(self, path: Path) -> None:
        tmp = path.with_suffix(".tmp.npz")
        with open(tmp, "wb") as fh:
            np.savez(
                fh,
                ids=self.ids,
                matrix=self.matrix,
                public=self.public,
                kind=self.kind,
                unit=self.unit,
                valid_from=self.valid_from,
                valid_to=self.valid_to,
                first=self.first,
                question=self.question,
            )
        os.replace(tmp, path)

    def complete_ids(self) -> set[int]:
        """Return the ids whose question is embedded as well as their passages."""
        return {int(i) for i in self.ids[self.question].tolist()}

    def upsert(self, docs: list[IndexDoc], vectors: dict[int, np.ndarray]) -> None:
        """Replace the rows of ``docs`` (a doc without a vector loses its rows).

        A doc's vector is one row (its first passage) or a matrix: one row per passage, and
        its question's row last when the matrix has one row more than ``doc.passages()``.
        """
        self.delete([d.id for d in docs])
        rows = [d for d in docs if d.id in vectors]
        if not rows:
            return
        blocks = [np.atleast_2d(vectors[d.id]).astype(np.float32) for d in rows]
        counts = [len(b) for b in blocks]

        def column(values: list[Any], dtype: Any) -> np.ndarray:
            return np.repeat(np.array(values, dtype=dtype), counts)

        self.ids = np.concatenate([self.ids, column([d.id for d in rows], np.int64)])
        self.matrix = np.vstack([self.matrix, *blocks])
        self.public = np.concatenate([self.public, column([d.public for d in rows], bool)])
        self.kind = np.concatenate([self.kind, column([d.kind for d in rows], "<U16")])
        self.unit = np.concatenate([self.unit, column([d.unit for d in rows], "<U32")])
        self.valid_from = np.concatenate(
            [self.valid_from, column([d.valid_from for d in rows], np.int32)]
        )
        self.valid_to = np.concatenate(
            [self.valid_to, column([d.valid_to for d in rows], np.int32)]
        )
        starts = np.cumsum([0, *counts[:-1]])
        first = np.zeros(sum(counts), dtype=bool)
        first[starts] = True
        question = np.zeros(sum(counts), dtype=bool)
        for doc, start, count in zip(rows, starts.tolist(), counts, strict=True):
            if count >= 2 and count == len(doc.passages()) + 1:
                question[start + count - 1] = True
        self.first = np.concatenate([self.first, first])
        self.question = np.concatenate([self.question, question])
        self._reindex_rows()

    def delete(self, ids: Iterable[int]) -> None:
        drop = [r for i in ids for r in self.row_of.get(i, [])]
        if not drop:
            return
        keep = np.ones(len(self.ids), dtype=bool)
        keep[drop] = False
        for name in (
            "ids", "matrix", "public", "kind", "unit", "valid_from", "valid_to", "first",
            "question",
        ):  # fmt: skip
            setattr(self, name, getattr(self, name)[keep])
        self._reindex_rows()

    def _mask(self, filters: Filters) -> np.ndarray | None:
        mask = None
        if filters.public_only:
            mask = self.public.copy()
        if filters.kinds:
            m = np.isin(self.kind, filters.kinds)
            mask = m if mask is None else mask & m
        if filters.units:
            m = np.isin(self.unit, filters.units)
            mask = m if mask is None else mask & m
        if filters.today:
            m = (self.valid_from <= filters.today) & (self.valid_to >= filters.today)
            mask = m if mask is None else mask & m
        return mask

    def _bits(self) -> np.ndarray:
        """Return the sign bits of the centred vectors (N x 6 uint64), built on first use."""
        if self._bits_cache is None or len(self._bits_cache) != len(self.ids):
            self._centre = self.matrix.mean(axis=0)
            self._bits_cache = _pack_signs(self.matrix - self._centre)
        return self._bits_cache

    def _block_scores(
        self, blocks: np.ndarray, qvec: np.ndarray, piece_penalty: float
    ) -> np.ndarray:
        """Return the semantic score of each article block in ``blocks`` (sorted block
        numbers): the mean of its best passage's cosine and its question's, or the best
        passage's alone when it has no question row."""
        if not len(blocks):
            return np.zeros(0, dtype=np.float32)
        if len(blocks) == len(self.starts):  # every article: no gather (the exact scan)
            local = self.starts
            scores = self.matrix @ qvec
            is_question, first = self.question, self.first
        else:
            ends = np.append(self.starts[1:], len(self.ids))
            lengths = ends[blocks] - self.starts[blocks]
            local = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
            rows = np.repeat(self.starts[blocks] - local, lengths) + np.arange(lengths.sum())
            scores = self.matrix[rows] @ qvec
            is_question, first = self.question[rows], self.first[rows]
        if piece_penalty:
            scores[~first & ~is_question] -= piece_penalty
        passages = np.where(is_question, -np.inf, scores)
        best = np.maximum.reduceat(passages, local)
        asked = np.zeros(len(blocks), dtype=np.float32)
        has_question = np.zeros(len(blocks), dtype=bool)
        if is_question.any():
            where = np.flatnonzero(is_question)
            block_index = np.searchsorted(local, where, side="right") - 1
            asked[block_index] = scores[where]
            has_question[block_index] = True
        return np.where(has_question, (best + asked) / 2, best).astype(np.float32)

    def nearest(
        self,
        qvec: np.ndarray,
        filters: Filters,
        k: int,
        also: list[int],
        piece_penalty: float = 0.02,
    ) -> tuple[list[tuple[int, float]], dict[int, float]]:
        """Return the ``k`` nearest articles as ``(id, score)``, and the score of the ``also``
        ids (see the class for the score).

        Up to ``EXACT_LIMIT`` rows the scan is exact. Above, a Hamming scan over sign bits
        (48 bytes a row instead of 1,536) picks ``RESCORE`` candidate rows whose articles are
        then scored exactly: the full float scan is memory-bound and costs ~14 ms at 100k
        rows.
        """
        if not len(self.ids):
            return [], {}
        qvec = qvec.astype(np.float32)
        mask = self._mask(filters)
        allowed = mask[self.starts] if mask is not None else None
        if len(self.ids) <= EXACT_LIMIT:
            blocks = np.arange(len(self.starts))
        else:
            bits = self._bits()
            qbits = _pack_signs((qvec - self._centre)[None, :])[0]
            counts = np.bitwise_count(bits ^ qbits)  # N x 6 uint8
            # Summing six columns is ~3x faster than .sum(axis=1) on this short axis.
            distance = counts[:, 0].astype(np.int32)
            for column in range(1, counts.shape[1]):
                distance += counts[:, column]
            if mask is not None:
                distance[~mask] = 10_000
            count = min(max(RESCORE, k * MAX_PASSAGES), len(distance))
            rows = np.argpartition(distance, count - 1)[:count]
            rows = rows[distance[rows] < 10_000]
            blocks = np.unique(np.searchsorted(self.starts, rows, side="right") - 1)
        if allowed is not None:
            blocks = blocks[allowed[blocks]]
        scores = self._block_scores(blocks, qvec, piece_penalty)
        take = min(k, len(blocks))
        top: list[tuple[int, float]] = []
        if take:
            best = np.argpartition(-scores, take - 1)[:take]
            best = best[np.argsort(-scores[best], kind="stable")]
            block_ids = self.ids[self.starts[blocks[best]]]
            top = [(int(i), float(v)) for i, v in zip(block_ids, scores[best], strict=True)]
        extra: dict[int, float] = {}
        wanted = sorted({self.block_of[i] for i in also if i in self.block_of})
        if wanted:
            chosen = np.array(wanted, dtype=np.int64)
            if allowed is not None:
                chosen = chosen[allowed[chosen]]
            values = self._block_scores(chosen, qvec, piece_penalty)
            for block, value in zip(chosen.tolist(), values.tolist(), strict=True):
                extra[int(self.ids[self.starts[block]])] = float(value)
        return top, extra


def _pack_signs(rows: np.ndarray) -> np.ndarray:
    packed = np.packbits(rows > 0, axis=1)  # N x 48 bytes
    return packed.view(np.uint64)


class SearchIndex:
    """One on-disk index directory: tantivy files plus ``vectors.npz``."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        self._lock = Lock()
        self._schema = _schema()
        version_file = self.path / "schema_version"
        if not (self.path / "meta.json").exists() or (
            version_file.exists() and version_file.read_text().strip() != SCHEMA_VERSION
        ):
            self._wipe()
        self._index = tantivy.Index(self._schema, path=str(self.path), reuse=True)
        self._seen_meta = 0.0
        self._seen_vectors = -1.0
        self._vectors = VectorStore()
        self.refresh()

    def _wipe(self) -> None:
        for child in self.path.iterdir():
            if child.is_file() and child.name != "write.lock":
                child.unlink()
        (self.path / "schema_version").write_text(SCHEMA_VERSION)

    @property
    def vectors_path(self) -> Path:
        return self.path / "vectors.npz"

    def refresh(self) -> None:
        """Reload the reader and the vectors if another process committed (one stat each)."""
        meta = self.path / "meta.json"
        mtime = meta.stat().st_mtime if meta.exists() else 0.0
        if mtime != self._seen_meta:
            self._index.reload()
            self._seen_meta = mtime
        vpath = self.vectors_path
        vtime = vpath.stat().st_mtime if vpath.exists() else 0.0
        if vtime != self._seen_vectors:
            self._vectors = VectorStore.load(vpath)
            self._seen_vectors = vtime

    # --- writing ------------------------------------------------------------------------------

    @contextmanager
    def _writing(self) -> Iterator[Any]:
        with open(self.path / "write.lock", "a") as lock_file:
            fcntl.flock(lock_file, fcntl.LOCK_EX)
            try:
                writer = self._index.writer(100_000_000, 1)
                yield writer
                writer.commit()
                writer.wait_merging_threads()
            finally:
                fcntl.flock(lock_file, fcntl.LOCK_UN)
        self.refresh()

    def upsert(self, docs: list[IndexDoc], vectors: dict[int, np.ndarray] | None = None) -> None:
        """Add or replace ``docs`` (by id) and their vectors."""
        with self._writing() as writer:
            for doc in docs:
                writer.delete_documents_by_term("id", doc.id)
                writer.add_document(tantivy_document(doc))
            store = VectorStore.load(self.vectors_path)
            store.upsert(docs, vectors or {})
            store.save(self.vectors_path)

    def upsert_vectors(self, docs: list[IndexDoc], vectors: dict[int, np.ndarray]) -> None:
        """Replace only the vector rows of ``docs`` (the embedding pass caught up with them);
        the lexical index is not touched (a doc without a vector loses its row)."""
        with open(self.path / "write.lock", "a") as lock_file:
            fcntl.flock(lock_file, fcntl.LOCK_EX)
            try:
                store = VectorStore.load(self.vectors_path)
                store.upsert(docs, vectors)
                store.save(self.vectors_path)
            finally:
                fcntl.flock(lock_file, fcntl.LOCK_UN)
        self.refresh()

    def vector_ids(self) -> set[int]:
        """Return the ids whose every embedded text (passages and question) has its vector in
        the store (the embedding pass completes the others)."""
        self.refresh()
        return self._vectors.complete_ids()

    def delete(self, ids: list[int]) -> None:
        with self._writing() as writer:
            for doc_id in ids:
                writer.delete_documents_by_term("id", doc_id)
            store = VectorStore.load(self.vectors_path)
            store.delete(ids)
            store.save(self.vectors_path)

    def rebuild(self, docs: Iterable[IndexDoc], vectors: dict[int, np.ndarray]) -> int:
        """Replace the whole index with ``docs``; return how many were indexed."""
        count = 0
        store = VectorStore()
        with self._writing() as writer:
            writer.delete_all_documents()
            batch: list[IndexDoc] = []
            for doc in docs:
                writer.add_document(tantivy_document(doc))
                batch.append(doc)
                count += 1
                if len(batch) >= 5000:
                    store.upsert(batch, vectors)
                    batch = []
            store.upsert(batch, vectors)
            store.save(self.vectors_path)
        return count

    def ids(self) -> set[int]:
        """Return the ids in the index."""
        self.refresh()
        searcher = self._index.searcher()
        found = searcher.search(tantivy.Query.all_query(), limit=max(1, searcher.num_docs))
        return {int(searcher.doc(addr)["id"][0]) for _, addr in found.hits}

    def num_docs(self) -> int:
        self.refresh()
        return int(self._index.searcher().num_docs)

    def size_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.path.iterdir() if p.is_file())

    # --- reading ------------------------------------------------------------------------------

    def _filter_clauses(self, filters: Filters) -> list[tuple[Any, Any]]:
        must = tantivy.Occur.Must
        clauses: list[tuple[Any, Any]] = []
        if filters.public_only:
            clauses.append((must, tantivy.Query.term_query(self._schema, "pub", "1")))
        if filters.kinds:
            clauses.append(
                (must, tantivy.Query.term_set_query(self._schema, "kind", filters.kinds))
            )
        if filters.units:
            clauses.append(
                (must, tantivy.Query.term_set_query(self._schema, "unit", filters.units))
            )
        if filters.areas:
            allowed = [*filters.areas, "-"]  # "-": applies everywhere
            clauses.append((must, tantivy.Query.term_set_query(self._schema, "areas", allowed)))
        if filters.today:
            integer = tantivy.FieldType.Integer
            clauses.append(
                (
                    must,
                    tantivy.Query.range_query(
                        self._schema, "valid_from", integer, None, filters.today
                    ),
                )
            )
            clauses.append(
                (
                    must,
                    tantivy.Query.range_query(
                        self._schema, "valid_to", integer, filters.today, None
                    ),
                )
            )
        return clauses

    def lexical(
        self, query: textproc.ParsedQuery, filters: Filters, k: int
    ) -> list[tuple[int, float]]:
        """Return ``(id, bm25)`` of the best ``k`` lexical matches."""
        should = tantivy.Occur.Should
        terms: list[tuple[Any, Any]] = []

        def add(field_name: str, weighted: dict[str, float]) -> None:
            for term, weight in weighted.items():
                q = tantivy.Query.term_query(self._schema, field_name, term)
                terms.append(
                    (should, tantivy.Query.boost_query(q, FIELD_BOOSTS[field_name] * weight))
                )

        for name in _BIGRAM_FIELDS:
            add(name, query.bigrams)
        for name in _WORD_FIELDS:
            add(name, query.words)
        add("py", query.pinyin)
        if not terms:
            return []
        q = tantivy.Query.boolean_query(terms)
        clauses = self._filter_clauses(filters)
        if clauses:
            q = tantivy.Query.boolean_query([(tantivy.Occur.Must, q), *clauses])
        searcher = self._index.searcher()
        found = searcher.search(q, limit=k, count=False)
        out = []
        for score, addr in found.hits:
            out.append((int(searcher.doc(addr)["id"][0]), float(score)))
        return out

    def semantic(self, qvec: np.ndarray, filters: Filters, k: int) -> list[tuple[int, float]]:
        """Return ``(id, cosine)`` of the ``k`` nearest passages."""
        self.refresh()
        return self._vectors.nearest(qvec, filters, k, also=[], piece_penalty=Fusion.piece_penalty)[
            0
        ]

    def stored(self, ids: list[int]) -> dict[int, dict[str, Any]]:
        """Return the stored fields of ``ids``."""
        if not ids:
            return {}
        searcher = self._index.searcher()
        q = tantivy.Query.term_set_query(self._schema, "id", ids)
        found = searcher.search(q, limit=len(ids), count=False)
        out: dict[int, dict[str, Any]] = {}
        for _, addr in found.hits:
            doc = searcher.doc(addr)
            out[int(doc["id"][0])] = json.loads(bytes(doc["doc"][0]))
        return out

    def search(
        self,
        query: textproc.ParsedQuery,
        filters: Filters,
        *,
        limit: int = 10,
        qvec: np.ndarray | None = None,
        fusion: Fusion | None = None,
        now: float | None = None,
    ) -> list[Hit]:
        """Return the best ``limit`` hits, fused when ``qvec`` (the query embedding) is given."""
        fusion = fusion or Fusion()
        self.refresh()
        if query.empty and qvec is None:
            return []
        lex = self.lexical(query, filters, fusion.candidates) if not query.empty else []
        sem: list[tuple[int, float]] = []
        cosines: dict[int, float] = {}
        if qvec is not None and len(self._vectors):
            sem, cosines = self._vectors.nearest(
                qvec,
                filters,
                fusion.candidates,
                also=[i for i, _ in lex],
                piece_penalty=fusion.piece_penalty,
            )
            cosines.update(sem)
        lex_for_fusion = lex
        if sem and lex and fusion.method == "rrf" and fusion.coverage > 0:
            best = self.stored([lex[0][0]]).get(lex[0][0])
            text = f"{best['title']} {best['text'][:400]}" if best else ""
            if query_coverage(query, text) < fusion.coverage:
                lex_for_fusion = []  # the best lexical hit matched filler, not the question
            elif len(lex) > 1 and lex[0][1] < fusion.lead * lex[1][1] and lex[0][0] != sem[0][0]:
                # No lexical hit stands out (generic words matched many) and the semantic
                # signal does not confirm the first: which one came first is chance.
                lex_for_fusion = []
        fused = self._fuse(lex_for_fusion, sem, cosines, fusion)
        if not fused:
            return []
        # Freshness and the stored fields only for the candidates.
        # Areas are checked on the stored fields, so fetch more candidates when filtering by
        # them; otherwise a few beyond the limit leave room for the freshness bonus.
        fetch = limit * 3 if filters.areas else limit + 5
        top_ids = [i for i, _ in sorted(fused.items(), key=lambda kv: -kv[1])[:fetch]]
        stored = self.stored(top_ids)
        if filters.areas:
            stored = {
                i: s
                for i, s in stored.items()
                if not s["areas"] or set(s["areas"]) & set(filters.areas)
            }
        now = now if now is not None else time.time()
        lex_map = dict(lex)
        sem_map = cosines
        hits = []
        for doc_id in top_ids:
            if doc_id not in stored:
                continue
            score = fused[doc_id]
            s = stored[doc_id]
            age_days = max(0.0, (now - s.get("published", 0)) / 86400)
            score *= 1 + fusion.freshness * math.pow(0.5, age_days / fusion.half_life_days)
            hits.append(
                Hit(
                    id=doc_id,
                    external_id=s["external_id"],
                    title=s["title"],
                    kind=s["kind"],
                    version=s["version"],
                    score=round(score, 6),
                    lexical=round(lex_map.get(doc_id, 0.0), 4),
                    semantic=round(sem_map.get(doc_id, 0.0), 4),
                    snippet="",
                )
            )
        hits.sort(key=lambda h: -h.score)
        hits = hits[:limit]
        terms = query.highlight
        for hit in hits:
            hit.snippet = textproc.snippet(stored[hit.id]["text"], terms)
        return hits

    def _fuse(
        self,
        lex: list[tuple[int, float]],
        sem: list[tuple[int, float]],
        cosines: dict[int, float],
        fusion: Fusion,
    ) -> dict[int, float]:
        """Return the fused score of every candidate, in fused order (see ``Fusion``)."""
        if not sem:
            top = lex[0][1] if lex else 1.0
            return {i: s / top for i, s in lex}
        if fusion.method == "linear":
            return _fuse_linear(lex, sem, cosines, fusion)
        return fuse_ranks(
            [i for i, _ in lex],
            [i for i, _ in sorted(cosines.items(), key=lambda kv: (-kv[1], kv[0]))],
            fusion,
        )


def query_coverage(query: textproc.ParsedQuery, text: str) -> float:
    """Return the share of what the caller said (the query's character pairs of weight 1)
    that ``text`` contains; a synonym's pairs count at their weight. Words the maintained
    vocabulary gives a meaning to (臭鸡蛋味 → 燃气泄漏) count as found where ``text`` holds
    that meaning (decision 0015)."""
    said = [b for b, w in query.bigrams.items() if w >= 1.0]
    if not said:
        return 1.0  # nothing but pinyin or Latin: the lexical signal is all there is
    text = textproc.normalise(text)
    found = sum(w for b, w in query.bigrams.items() if b in text)
    meant = {
        pair
        for member, meanings in query.vouched
        if any(m in text for m in meanings)
        for pair in textproc.bigrams(member)
    }
    found += sum(1 for b in said if b in meant and b not in text)
    return min(1.0, found / len(said))


def fuse_ranks(lex: list[int], sem: list[int], fusion: Fusion) -> dict[int, float]:
    """Return ``{id: score}`` in fused order for two rankings, best first (see ``Fusion``).

    Scores are the reciprocal-rank sums scaled so that first in both rankings is 1.0; when
    the cross-check moves an article up it takes the score of the place it moves to.
    """
    k = fusion.rrf_k
    lex_rank = {doc_id: n for n, doc_id in enumerate(lex, start=1)}
    sem_rank = {doc_id: n for n, doc_id in enumerate(sem, start=1)}
    best = (fusion.lexical + fusion.semantic) / (k + 1)
    rrf: dict[int, float] = {}
    for doc_id in lex_rank.keys() | sem_rank.keys():
        value = 0.0
        if doc_id in lex_rank:
            value += fusion.lexical / (k + lex_rank[doc_id])
        if doc_id in sem_rank:
            value += fusion.semantic / (k + sem_rank[doc_id])
        rrf[doc_id] = value / best
    order = sorted(rrf, key=lambda i: (-rrf[i], lex_rank.get(i, 10**9), i))
    g = fusion.guard
    if g > 0 and lex and sem:
        lex_top, sem_top = lex[:g], sem[:g]
        if not set(lex_top) & set(sem_top):
            # Disagreement: interleave, led by the signal whose best the other ranks higher.
            lex_first = sem_rank.get(lex[0], 10**9) <= lex_rank.get(sem[0], 10**9)
            a, b = (lex, sem) if lex_first else (sem, lex)
            head: list[int] = []
            for pair in zip(a[:g], b[:g], strict=False):
                head.extend(x for x in pair if x not in head)
            order = head + [i for i in order if i not in head]
        else:
            # Agreement: keep the fused order, but each signal's top g stays in the top 2g.
            order = _hold(order, set(lex_top) | set(sem_top), 2 * g)
    if fusion.keep > 0 and lex and sem and lex[0] != sem[0]:
        # They disagree on the best answer: the semantic signal's top ``keep`` stay within
        # the first ``keep + 1``.
        order = _hold(order, set(sem[: fusion.keep]), fusion.keep + 1)
    scores = sorted(rrf.values(), reverse=True)
    return {doc_id: scores[n] for n, doc_id in enumerate(order)}


def _hold(order: list[int], wanted: set[int], within: int) -> list[int]:
    """Return ``order`` with every id of ``wanted`` among its first ``within``; all keep
    their relative order otherwise (what is pushed out moves down just past them)."""
    protected = [i for i in order if i in wanted]
    head: list[int] = []
    for doc_id in order:
        missing = [p for p in protected if p not in head]
        if within - len(head) <= len(missing):
            head.extend(missing)
            break
        head.append(doc_id)
    placed = set(head)
    return head + [i for i in order if i not in placed]


def _fuse_linear(
    lex: list[tuple[int, float]],
    sem: list[tuple[int, float]],
    cosines: dict[int, float],
    fusion: Fusion,
) -> dict[int, float]:
    """Decision 0007's linear fusion of normalised scores."""
    best_lex = lex[0][1] if lex else 1.0
    span = max(sem[0][1] - fusion.floor, 1e-6)
    lex_map = dict(lex)
    fused: dict[int, float] = {}
    for doc_id in lex_map.keys() | cosines.keys():
        cos = cosines.get(doc_id, fusion.floor)
        sem_part = max(0.0, cos - fusion.floor) / span
        lex_part = lex_map.get(doc_id, 0.0) / best_lex
        fused[doc_id] = fusion.lexical * lex_part + fusion.semantic * sem_part
    return dict(sorted(fused.items(), key=lambda kv: -kv[1]))
