"""Background tasks of the knowledge base: index updates and the daily expiry sweep."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task


@db_task(retries=3, retry_delay=10)  # type: ignore[untyped-decorator]
def kb_index_articles(article_ids: list[int]) -> dict[str, int]:
    """Bring the index up to date for these articles (after a publish, edit or withdrawal)."""
    from hotline.knowledge.indexing import index_articles

    return index_articles(article_ids)


@db_periodic_task(crontab(minute="5", hour="0"))  # type: ignore[untyped-decorator]
def kb_expiry_sweep() -> dict[str, int]:
    """Every night: warn owners of articles about to expire; drop expired ones from search."""
    from hotline.knowledge.services import articles_expiry_sweep

    return articles_expiry_sweep()
