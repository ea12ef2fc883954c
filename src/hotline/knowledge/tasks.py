"""Background tasks of the knowledge base: index updates and the daily expiry sweep."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task


@db_task(retries=3, retry_delay=10)  # type: ignore[untyped-decorator]
def kb_index_articles(article_ids: list[int]) -> dict[str, int] | None:
    """Bring this machine's index up to the change sequence (after a publish, edit or
    withdrawal of ``article_ids``; they are in the sequence, so every change pending is
    applied). Embedding the passages here fills the cache the other machines read."""
    from hotline.knowledge.follow import follow

    return follow()


@db_periodic_task(crontab(minute="*"))  # type: ignore[untyped-decorator]
def kb_follow_tick() -> dict[str, int] | None:
    """Every minute: the worker's machine follows the change sequence even when idle."""
    from hotline.knowledge.follow import follow

    return follow(blocking=False)


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
