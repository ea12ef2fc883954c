"""Shared models: the append-only audit log and the worker heartbeat."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError(_("The audit log is append-only."))

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(_("The audit log is append-only."))


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete an audit entry."""


class AuditEntry(models.Model):
    """Who did what to which object and when (PRIVACY-3).

    Reads of a citizen's personal data by staff are entries too (action ``*.view``).
    Rows are never updated or deleted: ``save`` refuses an existing row and the queryset
    refuses bulk updates and deletes. Each row is chained to the one before it by a hash, so a
    change made behind the application's back shows (``hotline audit verify``).
    """

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Kept as text too, so the entry stays readable if the account is ever removed.
    actor_username = models.CharField(_("username"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=64, blank=True, db_index=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    channel = models.CharField(_("channel"), max_length=16, blank=True)  # web / api / cli
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    # The hash chain (hotline.core.auditchain): the previous entry's hash and this one's.
    prev_hash = models.CharField(_("previous hash"), max_length=64, blank=True)
    entry_hash = models.CharField(_("hash"), max_length=64, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_username} {self.action} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError(_("The audit log is append-only."))
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(_("The audit log is append-only."))


class AuditChainHead(models.Model):
    """The end of the audit log's hash chain: one row, locked by every writer.

    Writers take this row ``FOR UPDATE`` before appending, so on PostgreSQL two concurrent
    transactions cannot both chain to the same entry (SQLite serializes writers anyway).
    """

    last_entry_id = models.BigIntegerField(_("last entry"), null=True, blank=True)
    last_hash = models.CharField(_("last hash"), max_length=64)
    entries = models.PositiveBigIntegerField(_("entries"), default=0)

    objects: ClassVar[models.Manager[AuditChainHead]] = models.Manager()

    class Meta:
        verbose_name = _("audit chain head")
        verbose_name_plural = _("audit chain head")

    def __str__(self) -> str:
        return f"{self.entries} entries, last #{self.last_entry_id} {self.last_hash[:12]}…"


class WorkerHeartbeat(models.Model):
    """The last time each background worker proved it runs (one row per worker host/pid)."""

    worker = models.CharField(_("worker"), max_length=128, unique=True)
    beat_at = models.DateTimeField(_("last heartbeat"))
    started_at = models.DateTimeField(_("started"))
    beats = models.PositiveBigIntegerField(_("heartbeats"), default=0)

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")
        ordering = ["-beat_at"]

    def __str__(self) -> str:
        return f"{self.worker} @ {self.beat_at:%Y-%m-%d %H:%M:%S}"


class QueueProbe(models.Model):
    """One probe task of ``hotline worker-check``: queued, then done by some worker.

    The row is written before the task is queued (like the outbox), so a probe lost with a
    killed worker is seen and queued again; the task's effect is one conditional update, so it
    counts once however often the task runs.
    """

    token = models.CharField(max_length=32, db_index=True)
    seq = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=128, blank=True)
    runs = models.PositiveIntegerField(default=0)  # executions that found it undone
    queued = models.PositiveIntegerField(default=1)  # times it was put on the queue

    objects: ClassVar[models.Manager[QueueProbe]] = models.Manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["token", "seq"], name="core_unique_queue_probe")
        ]

    def __str__(self) -> str:
        return f"{self.token}/{self.seq}"
