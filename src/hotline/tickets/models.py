"""The work order (一事一单, INTAKE-4), its unit assignments, its events and its deadlines."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hotline.core.categories import Category
from hotline.tickets.transitions import EVALUATION_RESULTS, State


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    SMS = "sms", _("SMS")
    WEB = "web", _("Website")
    WECHAT = "wechat", _("WeChat")
    APP = "app", _("Mobile app")
    TERMINAL = "terminal", _("Self-service terminal")
    OPEN311 = "open311", _("Open311 (GeoReport v2)")
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
    # A8, SLA-2/3: a statutory or promised limit that replaces the profile's reply limit.
    due_override_at = models.DateTimeField(
        _("statutory or promised deadline"), null=True, blank=True
    )
    due_override_basis = models.CharField(_("basis of the deadline"), max_length=200, blank=True)
    related = models.ManyToManyField("self", blank=True, verbose_name=_("related tickets"))
    # HANDLE-7: the kinds of matter (profile codes) that must go to the unit's head.
    escalation = models.JSONField(_("matters for the unit's head"), default=list, blank=True)
    # SH 第十五条, A17: a major sudden event; its report clocks count from this moment.
    event_at = models.DateTimeField(_("time of the sudden event"), null=True, blank=True)
    registered_at = models.DateTimeField(_("registered"), default=timezone.now, db_index=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # ANSWER-3: the citizen's evaluation of a direct answer at the end of the call (A19).
    evaluation = models.CharField(
        _("evaluation of the direct answer"),
        max_length=24,
        blank=True,
        choices=[(r, r) for r in EVALUATION_RESULTS],
    )

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-registered_at", "-id"]

    def __str__(self) -> str:
        return self.number


class DispatchKind(models.TextChoices):
    DISPATCH = "dispatch", _("Dispatch")
    REDISPATCH = "redispatch", _("Re-dispatch after a return")
    REDO = "redo", _("Redo order")


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
    # DISPATCH-4: an assisting unit's contribution to the lead, or the lead's reason for
    # replying without it.
    contributed_at = models.DateTimeField(null=True, blank=True)
    contribution = models.TextField(blank=True)
    waived_reason = models.TextField(blank=True)
    # HANDLE-3, QLH 六(二): how the unit got the ticket (a re-dispatch after a return and a redo
    # order count as 重复派遣, A15) and whether it returned it, so both count per unit.
    kind = models.CharField(
        max_length=12, choices=DispatchKind.choices, default=DispatchKind.DISPATCH
    )
    returned_at = models.DateTimeField(null=True, blank=True)
    return_ground = models.CharField(max_length=48, blank=True)

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
    # When the light turns to warning: the profile's warning share of the period left (SLA-5).
    warn_at = models.DateTimeField(null=True, blank=True)
    basis = models.CharField(max_length=200, blank=True)
    unit = models.CharField(max_length=16)
    length = models.IntegerField(null=True, blank=True)
    provisional = models.BooleanField(default=False, db_index=True)
    met_at = models.DateTimeField(null=True, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            # The sweep reads only these two partial indexes: with nothing due it scans nothing.
            models.Index(
                fields=["due_at"],
                condition=Q(met_at__isnull=True, breached_at__isnull=True),
                name="deadline_breach_pending",
            ),
            models.Index(
                fields=["warn_at"],
                condition=Q(met_at__isnull=True, warned_at__isnull=True),
                name="deadline_warn_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket.number} {self.kind} {self.due_at}"

    def light(self, now: datetime) -> str:
        """Return the traffic light at ``now``: met, none, normal, warning or overdue (SLA-5)."""
        if self.met_at is not None:
            return "met"
        if self.due_at is None:
            return "none"
        if now >= self.due_at:
            return "overdue"
        if self.warn_at is not None and now >= self.warn_at:
            return "warning"
        return "normal"


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


class ExtensionRequest(models.Model):
    """A unit's request for more time, and the centre's decision (HANDLE-5, A6)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting decision")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="extensions")
    deadline = models.ForeignKey(Deadline, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey("directory.Unit", on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField()
    until = models.DateTimeField(_("requested deadline"))
    reason = models.TextField(_("reason"))
    basis = models.TextField(_("basis"), blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_until = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["requested_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"],
                condition=Q(status="pending"),
                name="one_pending_extension_per_ticket",
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket.number} → {self.until}"


class ReclassificationRequest(models.Model):
    """A unit's request to treat a ticket as complex, and the centre's decision (A7)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting decision")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="reclassifications")
    unit = models.ForeignKey("directory.Unit", on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField()
    reason = models.TextField(_("reason"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["requested_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"],
                condition=Q(status="pending"),
                name="one_pending_reclassification_per_ticket",
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket.number} → complex ({self.status})"


def _attachment_path(instance: Attachment, filename: str) -> str:
    return f"tickets/{instance.ticket.number}/{filename}"


class Attachment(models.Model):
    """A document or image filed with a ticket; type and size are checked by the service."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=_attachment_path, max_length=255)
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.name


class CitizenNotice(models.Model):
    """A to-do: tell the citizen of an approved extension (HANDLE-5, TJ 第二十一条, T7).

    ``party`` is who the profile names (``extension.tells_citizen``): the centre or the lead
    unit. Recording who told the citizen, when and how closes it.
    """

    class How(models.TextChoices):
        PHONE = "phone", _("Phone")
        SMS = "sms", _("SMS")
        VISIT = "visit", _("In person")
        LETTER = "letter", _("Letter or e-mail")
        OTHER = "other", _("Other")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="citizen_notices")
    extension = models.ForeignKey(
        ExtensionRequest, on_delete=models.CASCADE, related_name="citizen_notices"
    )
    party = models.CharField(max_length=16)  # centre | unit
    unit = models.ForeignKey(
        "directory.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    deadline = models.ForeignKey(
        Deadline, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    told_at = models.DateTimeField(_("told at"), null=True, blank=True)
    told_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    told_by_name = models.CharField(_("told by"), max_length=64, blank=True)
    how = models.CharField(_("how"), max_length=12, choices=How.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["party", "told_at"])]

    def __str__(self) -> str:
        return f"{self.ticket.number}: {self.party} tells the citizen"
