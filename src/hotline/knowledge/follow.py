"""Every machine's search index follows the database (docs/decisions/0009).

The transaction that publishes, withdraws or expires an article also writes one
:class:`~hotline.knowledge.models.IndexChange` row per article: the change sequence. Each
machine keeps its own index directory (``HOTLINE_KB_INDEX_DIR``) and, beside it,
``follow.json``: the highest change id it has applied and the ids below it it has not seen yet
(gaps). :func:`follow` applies what is new by re-reading those articles from the database, so
applying a change twice is harmless and the order of changes does not matter.

Who calls it on a machine: ``hotline kb-follow`` (a loop, one query a second), the process
that committed a small change right after the commit (:func:`follow_now`), the web process
before a search (:func:`follow_if_due`, at most once per ``HOTLINE_KB_FOLLOW_SECONDS`` per
process, never waiting for another process that is applying), the worker's tasks, and
``hotline serve`` on start. Applying never computes an embedding (decision 0010): a change row
re-indexes the article with the vector cached for it, if any; a ``vectors`` row, written by the
worker's embedding pass, only brings the article's new vector into the vector store.

An index directory without ``follow.json`` (a fresh machine, or one
that was away longer than :data:`RETENTION`) is rebuilt from the database first.

Gaps: ids come from a sequence and are taken when a row is inserted, not when its transaction
commits, so a change with a lower id can become visible after a higher one. An id skipped over
is remembered as a gap and looked for again on each run for :data:`GAP_WAIT`; a gap still
missing then belonged to a rolled-back transaction (no publishing transaction runs that long).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from threading import Lock
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from hotline.knowledge.models import IndexChange

log = logging.getLogger(__name__)

STATE_FILE = "follow.json"
#: Change rows older than this are pruned; an index that has not followed for this long
#: (less a day of margin) is rebuilt instead.
RETENTION = timedelta(days=7)
#: How long a skipped id is looked for before it is taken for a rolled-back transaction.
GAP_WAIT = 300.0
#: At most this many gaps are remembered (older ones are dropped first).
MAX_GAPS = 1000
#: Changes read per query (and applied in one index commit).
BATCH = 5000


@dataclass
class State:
    """What one index directory has applied."""

    seq: int = 0
    gaps: dict[int, float] = field(default_factory=dict)  # id -> when first missed (Unix)
    applied_at: float = 0.0  # Unix time of the last successful run

    def to_json(self) -> str:
        gaps = {str(k): v for k, v in self.gaps.items()}
        return json.dumps({"seq": self.seq, "gaps": gaps, "applied_at": self.applied_at})

    @classmethod
    def from_json(cls, text: str) -> State:
        data = json.loads(text)
        gaps = {int(k): float(v) for k, v in data.get("gaps", {}).items()}
        return cls(seq=int(data["seq"]), gaps=gaps, applied_at=float(data["applied_at"]))


def index_dir() -> Path:
    return Path(settings.KB_INDEX_DIR)


def state_load(path: Path | None = None) -> State | None:
    """Return the state of the index directory, or None when it has never followed."""
    file = (path or index_dir()) / STATE_FILE
    try:
        return State.from_json(file.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError, KeyError):
        return None


def _state_save(path: Path, state: State) -> None:
    file = path / STATE_FILE
    tmp = file.with_suffix(".tmp")
    tmp.write_text(state.to_json(), encoding="utf-8")
    os.replace(tmp, file)


def state_forget(path: Path | None = None) -> None:
    """Make the next :func:`follow` rebuild the index (after a restore)."""
    (path or index_dir()).joinpath(STATE_FILE).unlink(missing_ok=True)


@contextmanager
def _locked(path: Path, *, blocking: bool, name: str = "follow.lock") -> Iterator[bool]:
    """Hold the directory's lock ``name`` (the follow lock: one applier per machine); yield
    False if busy."""
    path.mkdir(parents=True, exist_ok=True)
    with open(path / name, "a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def changes_record(article_ids: list[int], *, vectors: bool = False) -> None:
    """Write the change rows for ``article_ids`` (call inside the changing transaction);
    ``vectors``: only their passage vectors are new (the embedding pass)."""
    IndexChange.objects.bulk_create(
        [IndexChange(article_id=i, vectors=vectors) for i in sorted(set(article_ids))],
        batch_size=1000,
    )


def changes_prune(*, now: Any = None) -> int:
    """Delete change rows older than :data:`RETENTION`; return how many."""
    cutoff = (now or timezone.now()) - RETENTION
    deleted, _ = IndexChange.objects.filter(at__lt=cutoff).delete()
    return deleted


def _rebuild(path: Path, now: float) -> dict[str, int]:
    from hotline.knowledge.indexing import index_rebuild

    # Read the top of the sequence first: whatever commits later is applied by the next run.
    top = IndexChange.objects.aggregate(top=Max("id"))["top"] or 0
    visible = set(
        IndexChange.objects.filter(id__gt=max(0, top - 100), id__lte=top).values_list(
            "id", flat=True
        )
    )
    count = index_rebuild()
    gaps = {i: now for i in range(max(1, top - 99), top + 1) if i not in visible}
    _state_save(path, State(seq=top, gaps=gaps, applied_at=now))
    return {"rebuilt": 1, "indexed": count, "applied": 0, "seq": top}


def _apply(path: Path, state: State, now: float) -> dict[str, int]:
    from hotline.knowledge.indexing import index_articles

    top = IndexChange.objects.aggregate(top=Max("id"))["top"] or 0
    if top < state.seq:  # another database than the one this index followed (recreated)
        return _rebuild(path, now)
    state.gaps = {i: t for i, t in state.gaps.items() if now - t < GAP_WAIT}
    applied = 0
    while True:
        wanted = Q(id__gt=state.seq)
        if state.gaps:
            wanted |= Q(id__in=list(state.gaps))
        rows = list(
            IndexChange.objects.filter(wanted)
            .order_by("id")
            .values_list("id", "article_id", "vectors")[:BATCH]
        )
        if not rows:
            break
        # One tantivy commit per batch; an article whose only news is its vector (the
        # embedding pass) touches the vector store alone.
        lexical = sorted({article for _, article, vec in rows if not vec})
        vectors = sorted({article for _, article, vec in rows if vec})
        index_articles(lexical, vectors_only=vectors)
        applied += len(rows)
        seen = {i for i, _, _ in rows}
        top = max(state.seq, max(seen))
        for missing in range(state.seq + 1, top):
            if missing not in seen:
                state.gaps[missing] = now
        for found in seen:
            state.gaps.pop(found, None)
        if len(state.gaps) > MAX_GAPS:
            state.gaps = dict(sorted(state.gaps.items())[-MAX_GAPS:])
        state.seq = top
        if len(rows) < BATCH:
            break
    state.applied_at = now
    _state_save(path, state)
    return {"rebuilt": 0, "indexed": 0, "applied": applied, "seq": state.seq}


def follow(*, blocking: bool = True, now: float | None = None) -> dict[str, int] | None:
    """Bring this machine's index up to the database; return counts, or None when another
    process of the machine is applying (only with ``blocking=False``)."""
    path = index_dir()
    now = time.time() if now is None else now
    with _locked(path, blocking=blocking) as acquired:
        if not acquired:
            return None
        state = state_load(path)
        stale = RETENTION.total_seconds() - 86400
        if state is None or now - state.applied_at > stale:
            return _rebuild(path, now)
        return _apply(path, state, now)


def rebuild() -> dict[str, int]:
    """Rebuild this machine's index from the database and follow on from there
    (``hotline reindex``)."""
    path = index_dir()
    with _locked(path, blocking=True):
        return _rebuild(path, time.time())


def follow_now() -> None:
    """Right after a change commits: apply it to this machine's index lexically now, unless
    another process of the machine is applying (it, or the next run, picks the change up). A
    failure is logged: the change stays in the sequence for the next run."""
    try:
        with transaction.atomic():
            follow(blocking=False)
    except Exception:
        log.exception("Applying knowledge-base index changes failed")


@contextmanager
def embedding_lock(*, blocking: bool) -> Iterator[bool]:
    """Hold the machine's embedding-pass lock (one pass at a time); yield False if busy."""
    with _locked(index_dir(), blocking=blocking, name="embed.lock") as held:
        yield held


_last_check: dict[Path, float] = {}
_check_lock = Lock()


def follow_if_due() -> None:
    """Apply pending changes before a search, at most once per ``KB_FOLLOW_SECONDS`` per
    process and index directory; a failure is logged and the search goes on."""
    path = index_dir()
    interval = float(settings.KB_FOLLOW_SECONDS)
    clock = time.monotonic()
    with _check_lock:
        if path in _last_check and clock - _last_check[path] < interval:
            return
        _last_check[path] = clock
    try:
        # A savepoint when the caller is inside a transaction: a failed query must not poison
        # it. (No caller searches inside the transaction that changed an article.)
        with transaction.atomic():
            follow(blocking=False)
    except Exception:  # the index is still there to search; kb-follow will catch up
        log.exception("Applying knowledge-base index changes failed")


def reset_checks() -> None:
    """Forget when each directory was last checked (tests switch directories)."""
    with _check_lock:
        _last_check.clear()


def serve_startup() -> str:
    """Before ``hotline serve`` forks: build (fresh machine) or update this machine's index,
    then close it so that no forked worker shares the parent's open index."""
    from hotline.knowledge.search import reset_index_cache

    try:
        return f"search index {follow()}"
    finally:
        reset_index_cache()
