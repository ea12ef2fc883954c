"""Knowledge-base articles, their published versions, the KB-3 clocks and public contributions.

An :class:`Article` is the working copy a unit edits and moves through the review workflow
(``workflow.py``); every publish freezes an immutable :class:`ArticleVersion`. Search serves the
article's ``live_version``, so an edit under review never changes what agents see until it is
published, and a ticket that cites an article records the version number it cited.
"""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    """Article kinds (KB-1)."""

    GUIDE = "guide", _("Service guide")
    QA = "qa", _("Q&A")
    POLICY = "policy", _("Law, regulation or policy")
    PUBLIC_INFO = "public_info", _("Public information")
    BUSINESS = "business", _("Business information")
    VOLUNTEER = "volunteer", _("Volunteer information")


class Status(models.TextChoices):
    """Where the working copy stands in the review workflow (``workflow.py``)."""

    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Awaiting centre review")
    LEGAL_REVIEW = "legal_review", _("Awaiting legal review")
    RETURNED = "returned", _("Returned")
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ContentFields(models.Model):
    """The fields that make up an article's content: edited on the article, frozen per version."""

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.QA)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True, help_text=_("Sanitised HTML."))
    answer = models.TextField(
        _("answer wording"), blank=True, help_text=_("The agreed wording agents read out (KB-7).")
    )
    keywords = models.JSONField(_("keywords"), default=list, blank=True)
    synonyms = models.JSONField(_("synonyms"), default=list, blank=True)
    is_public = models.BooleanField(_("public"), default=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    source_document = models.CharField(_("source document"), max_length=200, blank=True)
    source_released_on = models.DateField(_("source release date"), null=True, blank=True)
    contributor_credit = models.CharField(_("contributed by"), max_length=100, blank=True)

    class Meta:
        abstract = True

    def is_valid_on(self, day: date) -> bool:
        """Return whether the content is in force on ``day`` (both ends inclusive)."""
        if self.valid_from is not None and day < self.valid_from:
            return False
        return not (self.valid_to is not None and day > self.valid_to)


class Article(ContentFields):
    """A knowledge-base article: the working copy owned by one unit (KB-1, KB-3)."""

    external_id = models.CharField(
        _("external id"),
        max_length=100,
        blank=True,
        help_text=_("The id in the unit's own system (KB-6); imports are idempotent by it."),
    )
    unit = models.ForeignKey(
        "directory.Unit", verbose_name=_("owning unit"), on_delete=models.PROTECT, related_name="+"
    )
    areas = models.ManyToManyField(
        "directory.Area", verbose_name=_("areas"), blank=True, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    live_version = models.ForeignKey(
        "ArticleVersion",
        verbose_name=_("published version"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    review_comment = models.TextField(_("review comment"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    expiry_warned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"], condition=~Q(external_id=""), name="kb_unique_external_id"
            )
        ]
        indexes = [models.Index(fields=["unit", "status"]), models.Index(fields=["valid_to"])]

    def __str__(self) -> str:
        return self.title

    @property
    def needs_legal_review(self) -> bool:
        """KB-4: published policy information passes a legal review."""
        return self.kind == Kind.POLICY


class ArticleVersion(ContentFields):
    """One published state of an article; never changed after it is written."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    unit = models.ForeignKey(
        "directory.Unit", verbose_name=_("owning unit"), on_delete=models.PROTECT, related_name="+"
    )
    content_hash = models.CharField(max_length=64)
    published_at = models.DateTimeField(_("published at"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("article version")
        verbose_name_plural = _("article versions")
        ordering = ["article", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="kb_unique_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.number}"


class ArticleEvent(models.Model):
    """An entry in an article's workflow history (who did what, with which comment)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=32)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    comment = models.TextField(blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.action} {self.at:%Y-%m-%d %H:%M}"


class ReleaseClock(models.Model):
    """KB-3: a source document was released; the article must be published by ``due_at``.

    Kept here rather than as a tickets ``Deadline`` so that the knowledge base does not depend
    on the ticket lifecycle; ``due_at`` comes from the profile's ``kb_update`` clock and the
    working-day calendar. ``due_at`` is empty where the profile sets no limit.
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="release_clocks")
    unit = models.ForeignKey("directory.Unit", on_delete=models.PROTECT, related_name="+")
    source_document = models.CharField(max_length=200, blank=True)
    released_on = models.DateField()
    started_at = models.DateTimeField()
    due_at = models.DateTimeField(null=True, blank=True)
    basis = models.CharField(max_length=200, blank=True)
    met_at = models.DateTimeField(null=True, blank=True)
    met_version = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-released_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "released_on", "source_document"], name="kb_unique_release"
            )
        ]
        indexes = [models.Index(fields=["unit", "met_at"])]

    def __str__(self) -> str:
        return f"{self.source_document or self.article} {self.released_on}"

    @property
    def on_time(self) -> bool | None:
        """Return whether it was met in time; None while open."""
        if self.met_at is None:
            return None
        return self.due_at is None or self.met_at < self.due_at


class Contribution(models.Model):
    """KB-5: an answer a citizen proposed on the public page, reviewed by the centre."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")

    question = models.CharField(_("question"), max_length=200)
    answer = models.TextField(_("proposed answer"), max_length=5000)
    contributor_name = models.CharField(_("name for the credit"), max_length=50, blank=True)
    contact = models.CharField(_("contact"), max_length=100, blank=True)
    related_article = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True)
    article = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.SET_NULL, related_name="contributions"
    )

    class Meta:
        verbose_name = _("public contribution")
        verbose_name_plural = _("public contributions")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.question


class Attachment(models.Model):
    """A file attached to an article (a form, a notice as published)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="kb/%Y/")
    name = models.CharField(max_length=200)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Embedding(models.Model):
    """A passage embedding, cached by the hash of the embedded text and the model name."""

    content_hash = models.CharField(max_length=64)
    model = models.CharField(max_length=64)
    vector = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["content_hash", "model"], name="kb_unique_embedding")
        ]

    def __str__(self) -> str:
        return self.content_hash[:12]


CONTENT_FIELDS = (
    "kind",
    "title",
    "body",
    "answer",
    "keywords",
    "synonyms",
    "is_public",
    "valid_from",
    "valid_to",
    "source_document",
    "source_released_on",
    "contributor_credit",
)


def content_values(obj: ContentFields) -> dict[str, Any]:
    """Return the content fields of an article or version as a dict (for copying)."""
    return {name: getattr(obj, name) for name in CONTENT_FIELDS}


class IndexChange(models.Model):
    """One entry of the index change sequence: "article N changed, index it again".

    Written in the transaction that publishes, withdraws or expires an article, so the sequence
    never says more or less than what committed. Every machine's index follows it
    (``knowledge/follow.py``; docs/decisions/0009-search-index-follows-the-database.md). Rows
    older than ``follow.RETENTION`` are pruned by the worker.

    ``vectors`` rows are written by the embedding pass (``indexing.embed_pending``): only the
    article's passage vector is new, so a follower updates its vector store and leaves the
    lexical index alone (decision 0010).
    """

    id = models.BigAutoField(primary_key=True)
    article_id = models.BigIntegerField()
    vectors = models.BooleanField(default=False)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects: ClassVar[models.Manager[IndexChange]] = models.Manager()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.id}: article {self.article_id}"
