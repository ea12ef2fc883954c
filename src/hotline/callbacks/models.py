"""Callbacks (回访) and quality inspection (质检): CALLBACK-1…4, readings C1, C2, A14, A15, A19.

Tickets never import this app: it reacts to ticket events (``receivers.py``) and draws the
monthly samples itself (``services.sample_draw``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Reason(models.TextChoices):
    """Why a ticket is due for a callback (the API's ``reason``)."""

    EVERY_TICKET = "every_ticket", _("Every ticket")
    SAMPLED = "sampled", _("Drawn in the sample")
    SUPERVISED = "supervised", _("Supervised ticket")
    FEEDBACK_SHEET = "feedback_sheet", _("Market service with a feedback sheet")


class DueState(models.TextChoices):
    OPEN = "open", _("Due")
    DONE = "done", _("Called back")
    UNREACHED = "unreached", _("Not reached after the last try")


class Sample(models.Model):
    """One month's sample under one profile (A14): the seed is stored, so it can be redrawn."""

    profile = models.CharField(max_length=64)
    month = models.DateField(help_text="the first day of the month")
    share = models.FloatField()
    seed = models.BigIntegerField()
    drawn_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["profile", "month"], name="callbacks_one_sample")
        ]

    def __str__(self) -> str:
        return f"{self.profile} {self.month:%Y-%m}"


class SampleEntry(models.Model):
    """One completed ticket of the month and whether the draw took it (stratum: ``unit``)."""

    sample = models.ForeignKey(Sample, on_delete=models.CASCADE, related_name="entries")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey("directory.Unit", on_delete=models.PROTECT, related_name="+")
    sampled = models.BooleanField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sample", "ticket"], name="callbacks_entry_once")
        ]

    def __str__(self) -> str:
        return f"{self.sample_id} {self.ticket_id} {self.sampled}"


class DueCallback(models.Model):
    """A callback owed on one ticket for one result of its unit (the queue's row)."""

    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="due_callbacks"
    )
    reason = models.CharField(max_length=16, choices=Reason.choices)
    #: When the result this callback follows came in.
    result_at = models.DateTimeField()
    #: The limit of the profile's callback clock (TJ: 24 clock hours), or none.
    deadline_at = models.DateTimeField(null=True, blank=True)
    #: When to call: the limit or the queueing time, then each retry's spaced time.
    due_at = models.DateTimeField(db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    state = models.CharField(max_length=10, choices=DueState.choices, default=DueState.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "result_at"], name="callbacks_one_due_per_result"
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.reason} {self.state}"


class Satisfaction(models.TextChoices):
    """The scale of A19, plus "not reached"."""

    SATISFIED = "satisfied", _("Satisfied")
    BASICALLY_SATISFIED = "basically_satisfied", _("Basically satisfied")
    DISSATISFIED = "dissatisfied", _("Dissatisfied")
    UNREACHED = "unreached", _("Not reached")


class CallbackRecord(models.Model):
    """Every callback made, reached or not (QLH 五(五) "每次回访均作记录")."""

    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="callback_records"
    )
    due = models.ForeignKey(
        DueCallback, on_delete=models.SET_NULL, null=True, blank=True, related_name="records"
    )
    event_id = models.BigIntegerField(unique=True)  # the ``ticket.called_back`` TicketEvent
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    result = models.CharField(max_length=20, choices=Satisfaction.choices)
    solved = models.BooleanField(null=True)
    contacted_in_time = models.BooleanField(null=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.result}"


class Responsibility(models.TextChoices):
    """Who is responsible for the dissatisfaction (CALLBACK-3, TJ 第二十五条)."""

    UNIT = "unit", _("The handling unit")
    CITIZEN = "citizen", _("The citizen's unreasonable demand")
    POLICY = "policy", _("A policy limit")
    CENTRE = "centre", _("The centre's mistake")


class InspectionState(models.TextChoices):
    OPEN = "open", _("Open")
    DECIDED = "decided", _("Decided")


class Inspection(models.Model):
    """A quality inspection (质检) of a dissatisfied callback (CALLBACK-3, C2)."""

    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="inspections"
    )
    record = models.ForeignKey(
        CallbackRecord, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    #: The unit whose result the citizen was dissatisfied with.
    unit = models.ForeignKey(
        "directory.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    state = models.CharField(
        max_length=8, choices=InspectionState.choices, default=InspectionState.OPEN
    )
    opened_at = models.DateTimeField(default=timezone.now)
    #: The call recording, where the telephony system gives one (CALLCENTRE-3).
    recording_url = models.URLField(blank=True)
    responsibility = models.CharField(max_length=8, choices=Responsibility.choices, blank=True)
    finding = models.TextField(blank=True)
    redo = models.BooleanField(default=False)
    #: False when the unit is not at fault: statistics leave the dissatisfaction out.
    unit_fault = models.BooleanField(null=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["opened_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"],
                condition=models.Q(state="open"),
                name="callbacks_one_open_inspection",
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.state}"
