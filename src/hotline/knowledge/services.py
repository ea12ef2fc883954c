"""Services that change the knowledge base: one transaction per business action.

Workflow (``workflow.py``): ``article_create``/``article_update`` (unit clerk) →
``article_submit`` (unit administrator) → ``article_review`` (centre; then ``article_legal_review``
for policy articles, KB-4) → published, or returned with a comment. Every publish writes a new
:class:`ArticleVersion`, meets the article's open KB-3 clocks and queues the index update after
commit. ``articles_import`` (KB-6) publishes at once, idempotent by external id.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from hotline.core.audit import audit_record, audit_record_many
from hotline.core.errors import InvalidInput, NotFound, PermissionDenied
from hotline.directory.models import Area, Unit
from hotline.knowledge import textproc, workflow
from hotline.knowledge.events import article_events_record
from hotline.knowledge.models import (
    CONTENT_FIELDS,
    Article,
    ArticleEvent,
    ArticleVersion,
    Attachment,
    Contribution,
    Kind,
    ReleaseClock,
    Status,
    content_values,
)

TZ = ZoneInfo("Asia/Shanghai")
MAX_KEYWORDS = 30


# --- input ------------------------------------------------------------------------------------


@dataclass
class ArticleInput:
    """An article's content as it arrives from a form, the API or an import row."""

    title: str
    kind: str = Kind.QA
    body: str = ""
    answer: str = ""
    keywords: list[str] = field(default_factory=list)
    synonyms: list[str] = field(default_factory=list)
    is_public: bool = True
    valid_from: date | None = None
    valid_to: date | None = None
    source_document: str = ""
    source_released_on: date | None = None
    contributor_credit: str = ""
    area_codes: list[str] = field(default_factory=list)
    body_is_html: bool = True

    def cleaned(self) -> dict[str, Any]:
        """Return the content fields, validated and sanitised; raise ``InvalidInput``."""
        title = " ".join((self.title or "").split())[:200]
        if not title:
            raise InvalidInput("请填写标题。", extra={"field": "title"})
        if self.kind not in Kind.values:
            raise InvalidInput(
                f"文章类别无效:{self.kind!r},可选:{', '.join(Kind.values)}",
                extra={"field": "kind"},
            )
        body = self.body or ""
        body = textproc.sanitise_html(body) if self.body_is_html else textproc.plain_to_html(body)
        answer = textproc.html_to_text(textproc.sanitise_html(self.answer or ""))
        if not textproc.html_to_text(body) and not answer:
            raise InvalidInput("正文和答复口径不能都为空。", extra={"field": "body"})
        if len(body) > 200_000 or len(answer) > 20_000:
            raise InvalidInput("正文过长。", extra={"field": "body"})
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise InvalidInput("有效期截止日早于起始日。", extra={"field": "valid_to"})
        return {
            "kind": self.kind,
            "title": title,
            "body": body,
            "answer": answer,
            "keywords": _clean_terms(self.keywords),
            "synonyms": _clean_terms(self.synonyms),
            "is_public": bool(self.is_public),
            "valid_from": self.valid_from,
            "valid_to": self.valid_to,
            "source_document": " ".join((self.source_document or "").split())[:200],
            "source_released_on": self.source_released_on,
            "contributor_credit": " ".join((self.contributor_credit or "").split())[:100],
        }


def _clean_terms(terms: Any) -> list[str]:
    if isinstance(terms, str):
        terms = terms.replace(",", " ").replace(",", " ").replace("、", " ").split()
    if not isinstance(terms, list):
        raise InvalidInput("关键词应为列表。", extra={"field": "keywords"})
    out: list[str] = []
    for term in terms:
        t = " ".join(str(term).split())[:30]
        if t and t not in out:
            out.append(t)
    return out[:MAX_KEYWORDS]


def content_hash(values: dict[str, Any], unit_code: str) -> str:
    """Return a stable hash of an article's content and owner (import idempotence)."""
    payload = {k: values[k] for k in CONTENT_FIELDS}
    payload["unit"] = unit_code
    raw = json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


# --- helpers ----------------------------------------------------------------------------------


def _require(actor: Any, permission: str) -> None:
    if actor is not None and not actor.can(permission):
        raise PermissionDenied()


def _require_unit(actor: Any, unit: Unit) -> None:
    """Unit staff act only on their own unit's articles (administrators: and sub-units)."""
    if actor is None or actor.is_centre_staff:
        return
    own = actor.unit
    if own is None:
        raise PermissionDenied()
    if unit.pk == own.pk:
        return
    if actor.can("unit.subunits") and unit.path.startswith(own.path):
        return
    raise PermissionDenied()


def _event(
    article: Article, action: str, actor: Any, comment: str = "", now: datetime | None = None
) -> None:
    article_events_record(
        [
            ArticleEvent(
                article=article,
                action=action,
                actor=actor if getattr(actor, "is_authenticated", False) else None,
                comment=comment,
                at=now or timezone.now(),
            )
        ]
    )


def _check(action: str, article: Article) -> None:
    if not workflow.allowed(action, article.status):
        raise InvalidInput(
            f"当前状态“{article.get_status_display()}”下不能执行此操作。",
            code="transition_not_allowed",
            status=409,
        )


def index_after_commit(article_ids: list[int]) -> None:
    """Record the index change of ``article_ids`` in this transaction (every machine's index
    follows it, ``follow.py``). Once the transaction commits, this process applies a small
    change to its machine's index lexically (unless another process of the machine is applying
    already: that one picks it up) and queues the worker's embedding pass (decision 0010)."""
    ids = sorted(set(article_ids))
    if not ids:
        return
    from hotline.knowledge.follow import changes_record

    changes_record(ids)

    def _apply() -> None:
        from hotline.knowledge.follow import follow_now
        from hotline.knowledge.tasks import kb_index_articles

        if len(ids) <= FOLLOW_NOW_MAX:
            follow_now()
        kb_index_articles(ids)

    _on_commit(_apply)


#: A change of up to this many articles is applied to this machine's index by the committing
#: process itself (milliseconds a few); a bulk import is left to the machine's follower
#: (``hotline kb-follow``, within a second) so that the request does not wait for it and the
#: next request's import overlaps with its indexing.
FOLLOW_NOW_MAX = 200

# Tests run inside one transaction that never commits; they call the hook at once instead.
_on_commit = transaction.on_commit


def _areas(codes: list[str]) -> list[Area]:
    if not codes:
        return []
    areas = list(Area.objects.filter(code__in=codes))
    missing = set(codes) - {a.code for a in areas}
    if missing:
        raise InvalidInput(f"未知的区域代码:{', '.join(sorted(missing))}", extra={"field": "areas"})
    return areas


# --- KB-3 clocks ------------------------------------------------------------------------------


def release_clock_open(article: Article, *, now: datetime | None = None) -> ReleaseClock | None:
    """KB-3: open the clock for the article's source release (if it has one and it is new).

    The limit is the profile's ``kb_update`` clock counted on the working-day calendar from the
    release date (the release day itself does not count, readings A12).
    """
    released = article.source_released_on
    if released is None:
        return None
    existing = ReleaseClock.objects.filter(
        article=article, released_on=released, source_document=article.source_document
    ).first()
    if existing is not None:
        return existing
    from hotline.policy.deadline import PolicyInputError, deadline_answer
    from hotline.policy.services import calendar_current

    start = datetime.combine(released, time(12, 0), tzinfo=TZ)
    due_at: datetime | None = None
    basis = ""
    try:
        answer = deadline_answer(
            profile=settings.HOTLINE_PROFILE,
            clock="kb_update",
            start=start,
            calendar=calendar_current(),
        )
        due_at, basis = answer.due_at, answer.basis
    except (PolicyInputError, ValueError) as exc:  # e.g. a year the calendar does not know
        basis = f"未能计算时限:{exc}"
    return ReleaseClock.objects.create(
        article=article,
        unit=article.unit,
        source_document=article.source_document,
        released_on=released,
        started_at=start,
        due_at=due_at,
        basis=basis[:200],
    )


# --- drafting and the workflow ----------------------------------------------------------------


@transaction.atomic
def article_create(
    *,
    actor: Any,
    unit: Unit,
    data: ArticleInput,
    external_id: str = "",
    now: datetime | None = None,
) -> Article:
    """Return a new draft article owned by ``unit`` (KB-3: units maintain their own)."""
    _require(actor, "kb.draft")
    _require_unit(actor, unit)
    values = data.cleaned()
    areas = _areas(data.area_codes)
    article = Article.objects.create(
        unit=unit,
        external_id=external_id,
        status=Status.DRAFT,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        **values,
    )
    article.areas.set(areas)
    release_clock_open(article, now=now)
    _event(article, "created", actor, now=now)
    audit_record(actor=actor, action="kb.article.create", obj=article)
    return article


@transaction.atomic
def article_update(
    *, actor: Any, article: Article, data: ArticleInput, now: datetime | None = None
) -> Article:
    """Change the working copy; a published article goes back to draft (its live version
    stays in search until the change is published)."""
    article = Article.objects.select_for_update().get(pk=article.pk)
    _require(actor, "kb.draft")
    _require_unit(actor, article.unit)
    _check("edit", article)
    values = data.cleaned()
    for name, value in values.items():
        setattr(article, name, value)
    article.status = Status.DRAFT
    article.save()
    article.areas.set(_areas(data.area_codes))
    release_clock_open(article, now=now)
    _event(article, "edited", actor, now=now)
    audit_record(actor=actor, action="kb.article.edit", obj=article)
    return article


@transaction.atomic
def article_submit(*, actor: Any, article: Article, now: datetime | None = None) -> Article:
    """The unit administrator sends the draft to the centre for review."""
    article = Article.objects.select_for_update().get(pk=article.pk)
    _require(actor, "kb.submit")
    _require_unit(actor, article.unit)
    _check("submit", article)
    article.status = Status.SUBMITTED
    article.review_comment = ""
    article.save(update_fields=["status", "review_comment", "updated_at"])
    _event(article, "submitted", actor, now=now)
    audit_record(actor=actor, action="kb.article.submit", obj=article)
    return article


@transaction.atomic
def article_review(
    *, actor: Any, article: Article, approve: bool, comment: str = "", now: datetime | None = None
) -> Article:
    """The centre approves (publishing it, or passing a policy article to legal review, KB-4)
    or returns the article to its unit with a comment."""
    article = Article.objects.select_for_update().get(pk=article.pk)
    comment = (comment or "").strip()[:2000]
    if not approve:
        _require(actor, "kb.review")
        _check("return", article)
        if not comment:
            raise InvalidInput("退回时请填写意见。", extra={"field": "comment"})
        if article.status == Status.LEGAL_REVIEW:
            _require(actor, "kb.legal_review")
        article.status = Status.RETURNED
        article.review_comment = comment
        article.reviewed_by = actor
        article.save(update_fields=["status", "review_comment", "reviewed_by", "updated_at"])
        _event(article, "returned", actor, comment, now=now)
        audit_record(
            actor=actor, action="kb.article.return", obj=article, detail={"comment": comment}
        )
        return article
    _require(actor, "kb.review")
    _check("approve", article)
    article.reviewed_by = actor
    _event(article, "approved", actor, comment, now=now)
    audit_record(actor=actor, action="kb.article.approve", obj=article)
    if article.needs_legal_review:
        article.status = Status.LEGAL_REVIEW
        article.save(update_fields=["status", "reviewed_by", "updated_at"])
        return article
    return _publish(article, actor=actor, now=now)


@transaction.atomic
def article_legal_review(
    *, actor: Any, article: Article, approve: bool, comment: str = "", now: datetime | None = None
) -> Article:
    """KB-4: the legal review of a policy article; approval publishes it."""
    article = Article.objects.select_for_update().get(pk=article.pk)
    _require(actor, "kb.legal_review")
    if not approve:
        return article_review(actor=actor, article=article, approve=False, comment=comment, now=now)
    _check("legal_approve", article)
    if article.reviewed_by_id is not None and article.reviewed_by_id == getattr(actor, "pk", None):
        raise InvalidInput("法制审核须由初审以外的人员进行。", code="same_reviewer", status=409)
    _event(article, "legal_approved", actor, comment, now=now)
    audit_record(actor=actor, action="kb.article.legal_approve", obj=article)
    return _publish(article, actor=actor, now=now)


@transaction.atomic
def article_withdraw(
    *, actor: Any, article: Article, comment: str = "", now: datetime | None = None
) -> Article:
    """Take an article out of search (its versions stay readable)."""
    article = Article.objects.select_for_update().get(pk=article.pk)
    _require(actor, "kb.review")
    _check("withdraw", article)
    article.status = Status.WITHDRAWN
    article.save(update_fields=["status", "updated_at"])
    _event(article, "withdrawn", actor, comment, now=now)
    audit_record(actor=actor, action="kb.article.withdraw", obj=article)
    index_after_commit([article.pk])
    return article


def _publish(
    article: Article,
    *,
    actor: Any,
    now: datetime | None = None,
    note: str = "",
    index: bool = True,
) -> Article:
    """Freeze the working copy as the next version, make it live, meet KB-3 clocks.
    ``index=False``: the caller records the index change (an import does it once)."""
    now = now or timezone.now()
    values = content_values(article)
    last = article.versions.order_by("-number").values_list("number", flat=True).first() or 0
    version = ArticleVersion.objects.create(
        article=article,
        number=last + 1,
        unit=article.unit,
        content_hash=content_hash(values, article.unit.code),
        published_at=now,
        published_by=actor if getattr(actor, "is_authenticated", False) else None,
        note=note[:200],
        **values,
    )
    article.live_version = version
    article.status = Status.PUBLISHED
    article.review_comment = ""
    article.expiry_warned_at = None
    article.save(
        update_fields=["live_version", "status", "review_comment", "expiry_warned_at", "updated_at"]
    )
    ReleaseClock.objects.filter(article=article, met_at__isnull=True).update(
        met_at=now, met_version=version.number
    )
    _event(article, "published", actor, f"v{version.number}", now=now)
    audit_record(
        actor=actor, action="kb.article.publish", obj=article, detail={"version": version.number}
    )
    if index:
        index_after_commit([article.pk])
    return article


# --- citing (ANSWER-1) --------------------------------------------------------------------------


def article_cite(article_id: int) -> dict[str, Any]:
    """ANSWER-1: return ``{"id", "version", "title"}`` of the live version an agent cites.

    The tickets ``answer`` action stores this, so the ticket keeps pointing at the exact
    wording given even after the article changes. Raises ``NotFound`` for an article that is
    not published.
    """
    article = (
        Article.objects.select_related("live_version")
        .filter(pk=article_id)
        .exclude(status=Status.WITHDRAWN)
        .first()
    )
    if article is None or article.live_version is None:
        raise NotFound("该知识库文章不存在或尚未发布。")
    version = article.live_version
    return {"id": article.pk, "version": version.number, "title": version.title}


# --- import (KB-6) ------------------------------------------------------------------------------


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": self.errors,
        }


def _parse_date(value: Any, name: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise InvalidInput(f"{name} 不是有效日期(YYYY-MM-DD):{value!r}") from None


def _parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value in (None, ""):
        return True
    v = str(value).strip().lower()
    if v in {"1", "true", "yes", "y", "是", "公开", "public"}:
        return True
    if v in {"0", "false", "no", "n", "否", "内部", "internal"}:
        return False
    raise InvalidInput(f"public 取值无效:{value!r}")


@dataclass
class _ImportRow:
    external_id: str
    unit: Unit
    values: dict[str, Any]
    content_hash: str


def _import_parse(row: Any, *, default_unit: Unit, units: dict[str, Unit]) -> _ImportRow:
    """Validate one import row; raise ``InvalidInput`` (no database write)."""
    if not isinstance(row, dict):
        raise InvalidInput("每一行应为一个对象。")
    external_id = " ".join(str(row.get("external_id") or "").split())
    if not external_id:
        raise InvalidInput("缺少 external_id。")
    if len(external_id) > 100:
        raise InvalidInput("external_id 过长(最多100个字符)。")
    unit_code = str(row.get("unit_code") or "").strip()
    unit = default_unit
    if unit_code:
        if unit_code not in units:
            found = Unit.objects.filter(code=unit_code).first()
            if found is None:
                raise InvalidInput(f"未知的单位代码:{unit_code}")
            units[unit_code] = found
        unit = units[unit_code]
    data = ArticleInput(
        title=str(row.get("title") or ""),
        kind=str(row.get("kind") or ""),
        body=str(row.get("body") or ""),
        answer=str(row.get("answer") or ""),
        keywords=row.get("keywords") or [],
        synonyms=row.get("synonyms") or [],
        is_public=_parse_bool(row.get("public")),
        valid_from=_parse_date(row.get("valid_from"), "valid_from"),
        valid_to=_parse_date(row.get("valid_to"), "valid_to"),
        source_document=str(row.get("source_document") or ""),
        source_released_on=_parse_date(row.get("source_released_on"), "source_released_on"),
        body_is_html="<" in str(row.get("body") or ""),
    )
    values = data.cleaned()
    return _ImportRow(external_id, unit, values, content_hash(values, unit.code))


def _import_row(item: _ImportRow, *, actor: Any, now: datetime) -> tuple[str, int]:
    """Create or update one article (an external id already known, or repeated in the file)."""
    article = Article.objects.select_for_update().filter(external_id=item.external_id).first()
    if article is None:
        article = Article.objects.create(
            unit=item.unit, external_id=item.external_id, **item.values
        )
        _event(article, "imported", actor, now=now)
        release_clock_open(article, now=now)
        _publish(article, actor=actor, now=now, note="import", index=False)
        return "created", article.pk
    live = article.live_version
    if (
        live is not None
        and live.content_hash == item.content_hash
        and article.status == Status.PUBLISHED
    ):
        return "unchanged", article.pk
    for name, value in item.values.items():
        setattr(article, name, value)
    article.unit = item.unit
    article.save()
    _event(article, "imported", actor, now=now)
    release_clock_open(article, now=now)
    _publish(article, actor=actor, now=now, note="import", index=False)
    return "updated", article.pk


def _import_create_many(items: list[_ImportRow], *, actor: Any, now: datetime) -> list[int]:
    """Create and publish the articles of ``items`` (external ids new to the database) with a
    handful of bulk inserts: the same rows, events and audit entries as ``_import_row`` writes
    one by one."""
    if not items:
        return []
    user = actor if getattr(actor, "is_authenticated", False) else None
    articles = [
        Article(unit=i.unit, external_id=i.external_id, status=Status.PUBLISHED, **i.values)
        for i in items
    ]
    Article.objects.bulk_create(articles, batch_size=500)
    for article in articles:
        if article.source_released_on is not None:
            release_clock_open(article, now=now)
    versions = [
        ArticleVersion(
            article=article,
            number=1,
            unit=item.unit,
            content_hash=item.content_hash,
            published_at=now,
            published_by=user,
            note="import",
            **item.values,
        )
        for article, item in zip(articles, items, strict=True)
    ]
    ArticleVersion.objects.bulk_create(versions, batch_size=500)
    for article, version in zip(articles, versions, strict=True):
        article.live_version = version
    first_version = ArticleVersion.objects.filter(article=OuterRef("pk"), number=1).values("pk")
    ids = [a.pk for a in articles]
    for start in range(0, len(ids), 500):
        Article.objects.filter(pk__in=ids[start : start + 500]).update(
            live_version=Subquery(first_version[:1])
        )
    clocked = [a.pk for a in articles if a.source_released_on is not None]
    if clocked:
        ReleaseClock.objects.filter(article_id__in=clocked, met_at__isnull=True).update(
            met_at=now, met_version=1
        )
    events = []
    for article in articles:
        events.append(ArticleEvent(article=article, action="imported", actor=user, at=now))
        events.append(
            ArticleEvent(article=article, action="published", actor=user, comment="v1", at=now)
        )
    article_events_record(events)
    audit_record_many(
        actor=actor,
        action="kb.article.publish",
        objs=list(articles),
        details=[{"version": 1}] * len(articles),
    )
    return [a.pk for a in articles]


MAX_IMPORT_ROWS = 5000


@transaction.atomic
def articles_import(*, actor: Any, rows: Any, now: datetime | None = None) -> ImportResult:
    """KB-6: import articles from a unit's own system; published at once.

    Idempotent by ``external_id``: an unchanged row changes nothing, a changed one makes a new
    version. Every row is validated first: a bad row is reported with its index and reason,
    and the good rows still go in. Articles new to the database are written in bulk (a few
    inserts for the whole request); known external ids are updated one by one, each in its
    own savepoint. The index change is recorded once for the whole import.
    """
    _require(actor, "kb.import")
    if not isinstance(rows, list):
        raise InvalidInput("导入内容应为文章列表。")
    if len(rows) > MAX_IMPORT_ROWS:
        raise InvalidInput(f"一次最多导入 {MAX_IMPORT_ROWS} 条。")
    now = now or timezone.now()
    default_unit = actor.unit if actor is not None and actor.unit is not None else None
    if default_unit is None:
        default_unit = Unit.objects.filter(kind=Unit.Kind.CENTRE).first()
    if default_unit is None:
        raise InvalidInput("没有默认单位:请在每行填写 unit_code。")
    result = ImportResult()
    units: dict[str, Unit] = {}
    parsed: list[tuple[int, _ImportRow]] = []
    for index, row in enumerate(rows):
        try:
            parsed.append((index, _import_parse(row, default_unit=default_unit, units=units)))
        except InvalidInput as exc:
            ext = row.get("external_id") if isinstance(row, dict) else None
            result.errors.append({"index": index, "external_id": ext, "reason": exc.message})
    wanted = [item.external_id for _, item in parsed]
    known: set[str] = set()
    for start in range(0, len(wanted), 500):
        known.update(
            Article.objects.filter(external_id__in=wanted[start : start + 500]).values_list(
                "external_id", flat=True
            )
        )
    fresh: list[_ImportRow] = []
    later: list[tuple[int, _ImportRow]] = []
    for index, item in parsed:
        if item.external_id in known:
            later.append((index, item))  # an update, or the same id again in this file
        else:
            known.add(item.external_id)
            fresh.append(item)
    changed = _import_create_many(fresh, actor=actor, now=now)
    result.created += len(changed)
    for index, item in later:
        try:
            with transaction.atomic():
                outcome, article_id = _import_row(item, actor=actor, now=now)
        except InvalidInput as exc:
            result.errors.append(
                {"index": index, "external_id": item.external_id, "reason": exc.message}
            )
            continue
        setattr(result, outcome, getattr(result, outcome) + 1)
        if outcome != "unchanged":
            changed.append(article_id)
    result.errors.sort(key=lambda e: e["index"])
    # One change per article in the sequence and one hook after commit for the whole import.
    index_after_commit(changed)
    audit_record(
        actor=actor,
        action="kb.import",
        detail={k: v for k, v in result.as_dict().items() if k != "errors"}
        | {"errors": len(result.errors)},
    )
    return result


# --- public contributions (KB-5) ---------------------------------------------------------------


@transaction.atomic
def contribution_create(
    *,
    question: str,
    answer: str,
    contributor_name: str = "",
    contact: str = "",
    related_article: Article | None = None,
) -> Contribution:
    """KB-5: a citizen proposes an answer on the public page; it waits for the centre."""
    question = " ".join((question or "").split())
    answer = (answer or "").strip()
    if len(question) < 4:
        raise InvalidInput("请把问题写完整(至少4个字)。", extra={"field": "question"})
    if len(answer) < 10:
        raise InvalidInput("请把答案写完整(至少10个字)。", extra={"field": "answer"})
    if len(question) > 200 or len(answer) > 5000:
        raise InvalidInput("内容过长。", extra={"field": "answer"})
    if related_article is not None and not (
        related_article.live_version and related_article.live_version.is_public
    ):
        related_article = None
    contribution = Contribution.objects.create(
        question=question,
        answer=answer,
        contributor_name=" ".join((contributor_name or "").split())[:50],
        contact=(contact or "").strip()[:100],
        related_article=related_article,
    )
    audit_record(actor=None, action="kb.contribution.create", obj=contribution, channel="web")
    return contribution


@transaction.atomic
def contribution_review(
    *,
    actor: Any,
    contribution: Contribution,
    accept: bool,
    unit: Unit | None = None,
    title: str = "",
    answer: str = "",
    note: str = "",
    now: datetime | None = None,
) -> Contribution:
    """KB-5: the centre accepts (a published Q&A article crediting the citizen) or rejects."""
    _require(actor, "kb.review")
    contribution = Contribution.objects.select_for_update().get(pk=contribution.pk)
    if contribution.state != Contribution.State.PENDING:
        raise InvalidInput("该建议已处理。", code="already_reviewed", status=409)
    now = now or timezone.now()
    contribution.reviewed_by = actor
    contribution.reviewed_at = now
    contribution.review_note = (note or "").strip()[:2000]
    if not accept:
        contribution.state = Contribution.State.REJECTED
        contribution.save()
        audit_record(actor=actor, action="kb.contribution.reject", obj=contribution)
        return contribution
    owner = unit or Unit.objects.filter(kind=Unit.Kind.CENTRE).first() or actor.unit
    credit = f"市民{contribution.contributor_name}" if contribution.contributor_name else "热心市民"
    data = ArticleInput(
        title=title or contribution.question,
        kind=Kind.QA,
        body=answer or contribution.answer,
        answer=answer or contribution.answer,
        is_public=True,
        contributor_credit=credit,
        body_is_html=False,
    )
    article = Article.objects.create(unit=owner, created_by=actor, **data.cleaned())
    _event(article, "contributed", actor, f"#{contribution.pk}", now=now)
    _publish(article, actor=actor, now=now, note="public contribution")
    contribution.state = Contribution.State.ACCEPTED
    contribution.article = article
    contribution.save()
    audit_record(
        actor=actor,
        action="kb.contribution.accept",
        obj=contribution,
        detail={"article": article.pk},
    )
    return contribution


# --- expiry -------------------------------------------------------------------------------------


def articles_expiry_sweep(*, today: date | None = None) -> dict[str, int]:
    """Warn owners of articles about to expire, and take expired ones out of search.

    The warning is the article's ``expiry_warning`` event; ``hotline.notifications`` subscribes
    to it and tells the owning unit.

    Returns counts. Idempotent: a warning is recorded once per published version; the index
    update for an expired article is queued every run (a no-op once it is gone).
    """
    today = today or timezone.localdate()
    horizon = today + timedelta(days=settings.KB_EXPIRY_WARNING_DAYS)
    warned = 0
    with transaction.atomic():
        due = Article.objects.select_for_update().filter(
            status=Status.PUBLISHED,
            live_version__valid_to__isnull=False,
            live_version__valid_to__lte=horizon,
            live_version__valid_to__gte=today,
            expiry_warned_at__isnull=True,
        )
        for article in due:
            article.expiry_warned_at = timezone.now()
            article.save(update_fields=["expiry_warned_at"])
            _event(
                article,
                "expiry_warning",
                None,
                f"{article.live_version.valid_to if article.live_version else ''}",
            )
            audit_record(
                actor=None, action="kb.article.expiry_warning", obj=article, channel="worker"
            )
            warned += 1
    expired = list(
        Article.objects.filter(
            status=Status.PUBLISHED, live_version__valid_to__lt=today
        ).values_list("pk", flat=True)
    )
    if expired:
        with transaction.atomic():
            index_after_commit(expired)
    return {"warned": warned, "expired": len(expired)}


def area_with_ancestors(code: str) -> list[str]:
    """Return ``code`` and the codes above it: an article for 东门街道 applies to its
    communities too."""
    area = Area.objects.filter(code=code).first()
    if area is None:
        return [code]
    return [c for c in area.path.strip("/").split("/") if c]


MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
ATTACHMENT_SUFFIXES = (".pdf", ".doc", ".docx", ".xls", ".xlsx", ".jpg", ".jpeg", ".png", ".txt")


@transaction.atomic
def attachment_add(*, actor: Any, article: Article, upload: Any) -> Attachment:
    """Attach a file (a form, the notice as published) to an article."""
    _require(actor, "kb.draft")
    _require_unit(actor, article.unit)
    name = str(getattr(upload, "name", "") or "")[:200]
    if not name.lower().endswith(ATTACHMENT_SUFFIXES):
        raise InvalidInput("仅支持 PDF、Word、Excel、图片和文本附件。", extra={"field": "file"})
    if (getattr(upload, "size", 0) or 0) > MAX_ATTACHMENT_BYTES:
        raise InvalidInput("附件不能超过20MB。", extra={"field": "file"})
    attachment = Attachment.objects.create(article=article, file=upload, name=name)
    _event(article, "attachment_added", actor, name)
    audit_record(actor=actor, action="kb.article.attach", obj=article, detail={"name": name})
    return attachment
