"""The transactional outbox and the in-app inbox.

A change that must tell somebody writes an ``OutboxMessage`` per adapter in the same
transaction as the change itself; the worker delivers them at least once, records every try as
a ``DeliveryAttempt`` and retries failures with backoff. The in-app adapter writes
``InboxItem`` rows, unique per message and user, so a repeated delivery shows nothing twice.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    """One notification for one adapter, waiting for (or done with) delivery."""

    created_at = models.DateTimeField(default=timezone.now)
    adapter = models.CharField(max_length=16)  # "inbox", "log"
    topic = models.CharField(max_length=48)  # dotted code, e.g. ticket.deadline.overdue
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    unit = models.ForeignKey(
        "directory.Unit", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    payload = models.JSONField(default=dict, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(delivered_at__isnull=True),
                name="outbox_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.adapter}:{self.topic}"


class DeliveryAttempt(models.Model):
    """The result of one try to deliver an outbox message."""

    message = models.ForeignKey(OutboxMessage, on_delete=models.CASCADE, related_name="tries")
    at = models.DateTimeField(default=timezone.now)
    ok = models.BooleanField()
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.message_id} {'ok' if self.ok else 'failed'}"


class InboxItem(models.Model):
    """A notification in a staff user's in-app inbox."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="inbox_items"
    )
    message = models.ForeignKey(OutboxMessage, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    topic = models.CharField(max_length=48)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["message", "user"], name="inbox_once_per_message")
        ]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return self.title


class EventReceipt(models.Model):
    """An event delivered to an outbox subscriber (``hotline.core.events``): at most one each.

    Written in the transaction in which the subscriber's handler ran, so a repeated delivery of
    the same event (a duplicate message, a message marked undelivered again) finds it and skips
    the handler.
    """

    channel = models.CharField(max_length=32)
    subscriber = models.CharField(max_length=100)
    event_id = models.BigIntegerField()
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "subscriber", "event_id"], name="event_receipt_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.subscriber}:{self.event_id}"
