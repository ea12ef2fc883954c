"""Background tasks of the knowledge base: index updates and the daily expiry sweep."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task


@db_task(retries=3, retry_delay=10)  # type: ignore[untyped-decorator]
def kb_index_articles(article_ids: list[int]) -> dict[str, int] | None:
    """The embedding pass for ``article_ids`` after a publish, edit, withdrawal or import
    (decision 0010): the change was applied lexically at commit; here their passage vectors
    are computed and cached, and ``IndexChange(vectors=True)`` rows bring them to every
    machine. Never waits for the lexical pass: that is the followers' job."""
    from hotline.knowledge.follow import embedding_lock, follow
    from hotline.knowledge.indexing import embed_pending

    with embedding_lock(blocking=True):
        embedded = embed_pending(article_ids)
    # The vectors reach this machine's index (the follower would within a second anyway).
    result = follow(blocking=False) or {}
    return result | {"embedded": embedded}


@db_periodic_task(crontab(minute="*"))  # type: ignore[untyped-decorator]
def kb_follow_tick() -> dict[str, int]:
    """Every minute: the worker's machine follows the change sequence even when idle, and
    spends up to 30 s embedding what its index still lacks a vector for (after a rebuild, or
    a failed task), unless an embedding pass is running."""
    from hotline.knowledge.follow import embedding_lock, follow
    from hotline.knowledge.indexing import embed_pending

    result = follow(blocking=False) or {}
    with embedding_lock(blocking=False) as free:
        if free:
            result["embedded"] = embed_pending(max_seconds=30)
    return result


@db_periodic_task(crontab(minute="35", hour="0"))  # type: ignore[untyped-decorator]
def kb_changes_prune() -> int:
    """Every night: drop index changes older than the retention (followers rebuild instead)."""
    from hotline.knowledge.follow import changes_prune

    return changes_prune()


@db_periodic_task(crontab(minute="5", hour="0"))  # type: ignore[untyped-decorator]
def kb_expiry_sweep() -> dict[str, int]:
    """Every night: warn owners of articles about to expire; drop expired ones from search."""
    from hotline.knowledge.services import articles_expiry_sweep

    return articles_expiry_sweep()
