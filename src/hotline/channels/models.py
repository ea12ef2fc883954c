"""The ways in and out of the centre besides the agent's desk (INTAKE-2, DISPATCH-6, PUBLISH-1).

Tickets know a channel only as a value (``Ticket.channel``); what a channel needs beyond that
(a citizen's query code, a message id already seen, a peer platform's number) lives here.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def digest(secret: str) -> str:
    """Return the SHA-256 hex digest stored in place of a secret (query codes, keys, SMS codes)."""
    return hashlib.sha256(secret.encode()).hexdigest()


class OneTimeCode(models.Model):
    """A code sent by SMS to confirm a portal submission (only its digest is stored)."""

    phone = models.CharField(max_length=32, db_index=True)
    code_digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"code for {self.phone[:3]}****"


class TicketAccess(models.Model):
    """How a citizen follows a ticket from outside: its query code (digest only)."""

    ticket = models.OneToOneField(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="citizen_access"
    )
    code_digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"access to {self.ticket_id}"


class Rating(models.Model):
    """The citizen's own satisfaction with the reply, given on the portal (one per ticket)."""

    ticket = models.OneToOneField("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    result = models.CharField(max_length=24)
    comment = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)
    counted_as_callback = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.result}"


class InboundMessage(models.Model):
    """A message received through a signed gateway (SMS, WeChat, app), once per message id."""

    source = models.CharField(max_length=16)
    message_id = models.CharField(max_length=128)
    sender = models.CharField(max_length=64)
    text = models.TextField()
    received_at = models.DateTimeField(default=timezone.now)
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    attached = models.BooleanField(default=False)  # answered an open ticket instead of a new one

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "message_id"], name="inbound_once")
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.message_id}"


class SeenNonce(models.Model):
    """A signature already used (timestamp + signature): a replay is refused."""

    source = models.CharField(max_length=16)
    nonce = models.CharField(max_length=128)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "nonce"], name="nonce_once")]

    def __str__(self) -> str:
        return f"{self.source}:{self.nonce[:12]}"


class Open311Key(models.Model):
    """An API key for an Open311 client (``hotline open311 key create NAME``); digest only."""

    name = models.CharField(_("name"), max_length=64)
    prefix = models.CharField(max_length=12, unique=True)
    key_digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Open311 key")
        verbose_name_plural = _("Open311 keys")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class Open311Request(models.Model):
    """The Open311 side of a ticket: who sent it, its token, what only Open311 carries."""

    ticket = models.OneToOneField("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    key = models.ForeignKey(Open311Key, on_delete=models.PROTECT, related_name="requests")
    token = models.CharField(max_length=32, unique=True)
    service_code = models.CharField(max_length=32)
    lat = models.FloatField(null=True, blank=True)
    long = models.FloatField(null=True, blank=True)
    media_url = models.URLField(max_length=500, blank=True)

    def __str__(self) -> str:
        return self.token


class Peer(models.Model):
    """Another platform tickets are traded with (DISPATCH-6): a city hotline, a neighbour."""

    name = models.CharField(_("name"), max_length=64, unique=True)
    url = models.URLField(_("base URL"), max_length=300)
    secret = models.CharField(_("shared secret"), max_length=128)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("peer platform")
        verbose_name_plural = _("peer platforms")

    def __str__(self) -> str:
        return self.name


class Transfer(models.Model):
    """A ticket traded with a peer: sent out (``out``) or received (``in``)."""

    class Direction(models.TextChoices):
        OUT = "out", _("Sent to another platform")
        IN = "in", _("Received from another platform")

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    peer = models.ForeignKey(Peer, on_delete=models.PROTECT, related_name="transfers")
    direction = models.CharField(max_length=4, choices=Direction.choices)
    remote_number = models.CharField(max_length=40, blank=True)  # the number on the other side
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    reply = models.TextField(blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)  # the loop closed
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["peer", "remote_number"],
                condition=models.Q(direction="in"),
                name="transfer_in_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.direction} {self.ticket_id} ↔ {self.peer_id}"


class Ringing(models.Model):
    """A call the telephony system rings at an agent's extension (CALLCENTRE-1)."""

    number = models.CharField(max_length=32)
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    shown_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["agent", "shown_at"])]

    def __str__(self) -> str:
        return f"{self.number[:3]}**** → {self.agent_id}"


class Bulletin(models.Model):
    """Published real-time information (PUBLISH-1, PUBLISH-3): shown on the desk and the portal."""

    class Kind(models.TextChoices):
        WATER_POWER = "outage", _("Water or power cut")
        TRAFFIC = "traffic", _("Traffic")
        WEATHER = "weather", _("Weather warning")
        HOLIDAY = "holiday", _("Holiday arrangements")
        PRICES = "prices", _("Government-set prices")
        HOURS = "hours", _("Opening hours")
        SUDDEN = "sudden", _("Major sudden event")
        SURGE = "surge", _("Agreed in advance for a call surge")
        OTHER = "other", _("Other")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("text"))
    area = models.ForeignKey(
        "directory.Area",
        verbose_name=_("area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    unit = models.ForeignKey(
        "directory.Unit",
        verbose_name=_("published by unit"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    valid_from = models.DateTimeField(_("valid from"))
    valid_until = models.DateTimeField(_("valid until"))
    public = models.BooleanField(_("shown on the portal"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-valid_from", "-id"]
        indexes = [models.Index(fields=["valid_until", "valid_from"])]

    def __str__(self) -> str:
        return self.title
