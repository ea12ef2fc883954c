from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from hotline.core.edge import Count, RowId
from hotline.core.errors import NotFound, PermissionDenied
from hotline.core.throttle import AddressThrottle
from hotline.knowledge import services
from hotline.knowledge.models import Article, ArticleVersion, Status
from hotline.knowledge.search import kb_search
from hotline.knowledge.textproc import html_to_text

router = Router(tags=["knowledge"])
# Anonymous: throttled per client address (issue 11).
public_router = Router(
    tags=["knowledge (public)"], auth=None, throttle=[AddressThrottle("kb-public")]
)


class SearchHit(Schema):
    id: int
    external_id: str
    title: str
    snippet: str
    score: float
    kind: str
    version: int


class SearchOut(Schema):
    results: list[SearchHit]


class ImportError_(Schema):
    index: int
    external_id: Any = None
    reason: str


class ImportOut(Schema):
    created: int
    updated: int
    unchanged: int
    errors: list[ImportError_]


class ArticleOut(Schema):
    id: int
    external_id: str
    version: int
    title: str
    kind: str
    answer: str
    body: str
    body_text: str
    keywords: list[str]
    synonyms: list[str]
    unit: str
    public: bool
    valid_from: date | None
    valid_to: date | None
    source_document: str
    source_released_on: date | None
    published_at: datetime
    status: str
    contributor_credit: str


class CiteOut(Schema):
    id: int
    version: int
    title: str


def _need(request: HttpRequest, permission: str) -> None:
    if not request.user.can(permission):  # type: ignore[union-attr]
        raise PermissionDenied()


def _results(hits: list[Any]) -> dict[str, Any]:
    return {"results": [h.__dict__ for h in hits]}


@router.get("/kb/search", response=SearchOut, summary="Search the knowledge base (staff)")
def search(
    request: HttpRequest,
    q: str = "",
    limit: int = 10,
    kind: str = "",
    unit: str = "",
    area: str = "",
) -> dict[str, Any]:
    """Public and internal articles in force, best first; filters by kind, unit and area."""
    _need(request, "kb.view")
    areas = services.area_with_ancestors(area) if area else []
    return _results(kb_search(q, limit=limit, kind=kind, unit=unit, areas=areas, public_only=False))


@public_router.get(
    "/public/kb/search", response=SearchOut, summary="Search public articles (no login)"
)
def public_search(request: HttpRequest, q: str = "", limit: int = 10) -> dict[str, Any]:
    """KB-2: citizens' self-service search; only public articles in force."""
    return _results(kb_search(q, limit=limit, public_only=True))


@router.post("/kb/import", response=ImportOut, summary="Import articles from a unit's system")
def import_articles(request: HttpRequest, rows: list[Any]) -> dict[str, Any]:
    """KB-6: a JSON list of articles, published at once, idempotent by ``external_id``."""
    result = services.articles_import(actor=request.user, rows=rows)
    return result.as_dict()


def _article_out(article: Article, version: ArticleVersion) -> dict[str, Any]:
    return {
        "id": article.pk,
        "external_id": article.external_id,
        "version": version.number,
        "title": version.title,
        "kind": version.kind,
        "answer": version.answer,
        "body": version.body,
        "body_text": html_to_text(version.body),
        "keywords": version.keywords,
        "synonyms": version.synonyms,
        "unit": version.unit.code,
        "public": version.is_public,
        "valid_from": version.valid_from,
        "valid_to": version.valid_to,
        "source_document": version.source_document,
        "source_released_on": version.source_released_on,
        "published_at": version.published_at,
        "status": article.status,
        "contributor_credit": version.contributor_credit,
    }


@router.get("/kb/articles/{article_id}", response=ArticleOut, summary="An article as published")
def article_detail(request: HttpRequest, article_id: RowId) -> dict[str, Any]:
    """The current published version (what agents read out)."""
    _need(request, "kb.view")
    article = (
        Article.objects.select_related("live_version__unit")
        .filter(pk=article_id, live_version__isnull=False)
        .exclude(status=Status.WITHDRAWN)
        .first()
    )
    if article is None or article.live_version is None:
        raise NotFound()
    return _article_out(article, article.live_version)


@router.get(
    "/kb/articles/{article_id}/versions/{number}",
    response=ArticleOut,
    summary="An earlier published version (as a ticket cited it)",
)
def article_version(request: HttpRequest, article_id: RowId, number: Count) -> dict[str, Any]:
    _need(request, "kb.view")
    version = (
        ArticleVersion.objects.select_related("article", "unit")
        .filter(article_id=article_id, number=number)
        .first()
    )
    if version is None:
        raise NotFound()
    return _article_out(version.article, version)


@router.get("/kb/articles/{article_id}/cite", response=CiteOut, summary="What a ticket records")
def article_cite(request: HttpRequest, article_id: RowId) -> dict[str, Any]:
    """ANSWER-1: the id, version number and title of the live version."""
    _need(request, "kb.view")
    return services.article_cite(article_id)
