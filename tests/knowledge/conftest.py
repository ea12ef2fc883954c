"""Knowledge-base fixtures: a fresh index directory per test, semantic signal off unless a
test asks for it (``semantic`` fixture: the model loads once per session)."""

from __future__ import annotations

import pytest

from hotline.knowledge import follow, search, services
from hotline.knowledge.services import ArticleInput, article_create, article_review, article_submit


@pytest.fixture(autouse=True)
def kb_index_dir(settings, tmp_path, monkeypatch):
    # Each test runs in a transaction that is rolled back: index at once instead of on commit.
    monkeypatch.setattr(services, "_on_commit", lambda fn: fn())
    settings.KB_INDEX_DIR = tmp_path / "kb-index"
    settings.KB_SEMANTIC = False
    search.reset_index_cache()
    follow.reset_checks()
    yield settings.KB_INDEX_DIR
    search.reset_index_cache()
    follow.reset_checks()


@pytest.fixture(scope="session")
def e5_model():
    """Load the embedding model once for the whole session."""
    from hotline.knowledge import embeddings

    embeddings.embed_query("预热")
    return embeddings


@pytest.fixture
def semantic(settings, e5_model):
    settings.KB_SEMANTIC = True
    return e5_model


@pytest.fixture
def reviewer(centre):
    from tests.factories import UserFactory

    return UserFactory(username="reviewer", unit=centre, roles=["reviewer"])


@pytest.fixture
def publish(unit_officer, unit_admin, reviewer):
    """Return a helper that drafts, submits and approves an article of the officer's unit."""

    def _publish(title: str, *, answer: str = "", body: str = "", **kwargs):
        article = article_create(
            actor=unit_officer,
            unit=unit_officer.unit,
            data=ArticleInput(title=title, answer=answer or title, body=body, **kwargs),
        )
        article_submit(actor=unit_admin, article=article)
        return article_review(actor=reviewer, article=article, approve=True)

    return _publish
