"""The work order (一事一单, INTAKE-4), its unit assignments, its events and its deadlines."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hotline.core.categories import Category
from hotline.tickets.transitions import State


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    SMS = "sms", _("SMS")
    WEB = "web", _("Website")
    WECHAT = "wechat", _("WeChat")
    APP = "app", _("Mobile app")
    TERMINAL = "terminal", _("Self-service terminal")
    TRANSFER_IN = "transfer_in", _("Transferred in (12345, 110, other platforms)")


class DailyCounter(models.Model):
    """The last ticket number used on a day; incremented inside the registering transaction."""

    day = models.DateField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.day}: {self.last}"


class Ticket(models.Model):
    """One matter, one ticket (INTAKE-4). ``state`` is the transition table's state."""

    number = models.CharField(_("number"), max_length=20, unique=True)
    state = models.CharField(
        _("state"), max_length=24, choices=[(s.value, s.value) for s in State], db_index=True
    )
    version = models.PositiveIntegerField(default=1)  # optimistic lock: one winner per change
    profile = models.CharField(_("policy profile"), max_length=64)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    citizen = models.ForeignKey(
        "citizens.Citizen",
        verbose_name=_("citizen"),
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    content = models.TextField(_("content"))
    urgent = models.BooleanField(_("urgent"), default=False)
    complex = models.BooleanField(_("complex"), default=False)
    address = models.CharField(_("address"), max_length=200, blank=True)
    area = models.ForeignKey(
        "directory.Area",
        verbose_name=_("area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    confidential = models.BooleanField(_("confidential"), default=False)  # PRIVACY-2
    complained_unit = models.ForeignKey(
        "directory.Unit",
        verbose_name=_("unit complained about"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    registered_at = models.DateTimeField(_("registered"), default=timezone.now, db_index=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-registered_at", "-id"]

    def __str__(self) -> str:
        return self.number


class Assignment(models.Model):
    """A unit's part in a ticket: the lead unit, or an assisting one (DISPATCH-4)."""

    class Role(models.TextChoices):
        LEAD = "lead", _("Lead unit")
        ASSIST = "assist", _("Assisting unit")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="assignments")
    unit = models.ForeignKey("directory.Unit", on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=8, choices=Role.choices)
    active = models.BooleanField(default=True)
    dispatched_at = models.DateTimeField()
    signed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["unit", "active"])]

    def __str__(self) -> str:
        return f"{self.ticket.number} → {self.unit.code} ({self.role})"


class TicketEvent(models.Model):
    """One entry of a ticket's timeline; append-only, the ticket's state follows from them."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(max_length=48)  # dotted code: ticket.dispatch, ticket.deadline.moved
    from_state = models.CharField(max_length=24, blank=True)
    to_state = models.CharField(max_length=24, blank=True)
    note = models.TextField(blank=True)
    payload = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.ticket.number} {self.action}"


class Deadline(models.Model):
    """One clock of a ticket (sign-for, first contact, reply …) as a row (SLA-5, SLA-6).

    It stores how it was computed (start instant, clock, category, flags) so that a
    provisional deadline can be recomputed when the year's calendar arrives (A28).
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="deadlines")
    assignment = models.ForeignKey(
        Assignment, null=True, blank=True, on_delete=models.CASCADE, related_name="deadlines"
    )
    kind = models.CharField(max_length=24)  # the clock: first_contact, reply, …
    start_at = models.DateTimeField()
    due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    basis = models.CharField(max_length=200, blank=True)
    unit = models.CharField(max_length=16)
    length = models.IntegerField(null=True, blank=True)
    provisional = models.BooleanField(default=False, db_index=True)
    met_at = models.DateTimeField(null=True, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [models.Index(fields=["met_at", "due_at"])]

    def __str__(self) -> str:
        return f"{self.ticket.number} {self.kind} {self.due_at}"


class DeadlineChange(models.Model):
    """The history of a deadline that moved (extension, recomputation) (SLA-6)."""

    deadline = models.ForeignKey(Deadline, on_delete=models.CASCADE, related_name="changes")
    at = models.DateTimeField(default=timezone.now)
    old_due_at = models.DateTimeField(null=True, blank=True)
    new_due_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=200)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.old_due_at} → {self.new_due_at}"
