"""Evaluation of acceptance centres: rounds, stages, scores, evidence, deductions and
rectification items (EVAL-1…5, readings §1.8, A22–A27).

The standard itself is data (``standard.py``); a round records only the standard's id, and
scores name second-level indicators by their id ("5.2").
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class StandardVersion(models.Model):
    """A later year's standard loaded by a centre (the 2022 one ships in ``standards/``)."""

    code = models.CharField(_("standard"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=200)
    year = models.PositiveIntegerField(_("year"))
    text = models.TextField()  # the YAML as loaded, validated
    loaded_at = models.DateTimeField(default=timezone.now)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-year", "code"]

    def __str__(self) -> str:
        return self.code


class Round(models.Model):
    """One evaluation of one centre in one year (EVAL-3)."""

    class State(models.TextChoices):
        OPEN = "open", _("In progress")
        FINISHED = "finished", _("Finished")

    standard = models.CharField(_("standard"), max_length=40)
    centre = models.ForeignKey(
        "directory.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("centre")
    )
    year = models.PositiveIntegerField(_("year"))
    #: The period whose tickets and callbacks feed the computed indicators (EVAL-5).
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    #: The formal evaluation's date, notified by the city; the mock is two weeks before.
    formal_on = models.DateField(_("formal evaluation"), null=True, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-year", "centre__code"]
        constraints = [
            models.UniqueConstraint(fields=["centre", "year"], name="evaluation_one_round_a_year")
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.centre_id}"


class Stage(models.Model):
    """A step of the round (study, self-check, on-site guidance, mock, formal) with its due
    date on the working-day calendar and its owner (EVAL-3, readings §1.8)."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="stages")
    step = models.PositiveSmallIntegerField()
    name = models.CharField(_("stage"), max_length=40)
    due_on = models.DateField(_("due"), null=True, blank=True)
    due_basis = models.CharField(max_length=100, blank=True)
    owner_name = models.CharField(_("owner"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["round", "step"]
        constraints = [
            models.UniqueConstraint(fields=["round", "step"], name="evaluation_stage_unique")
        ]

    def __str__(self) -> str:
        return f"{self.round_id}/{self.step} {self.name}"


class Score(models.Model):
    """The evaluator's score of one second-level indicator, with the reason for lost points;
    for computed indicators (EVAL-5) the figures and the computed score, and why the evaluator
    overruled it."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="scores")
    indicator = models.CharField(_("indicator"), max_length=16)
    points = models.DecimalField(_("score"), max_digits=5, decimal_places=1)
    lost_reason = models.TextField(_("reason for the points lost"), blank=True)
    computed_points = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    computed = models.JSONField(default=dict, blank=True)
    overrule_reason = models.TextField(_("reason for overruling"), blank=True)
    scored_at = models.DateTimeField(default=timezone.now)
    scored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["round", "indicator"]
        constraints = [
            models.UniqueConstraint(fields=["round", "indicator"], name="evaluation_score_unique")
        ]

    def __str__(self) -> str:
        return f"{self.round_id} {self.indicator}={self.points}"


def _evidence_path(instance: Evidence, filename: str) -> str:
    return f"evaluation/{instance.round_id}/{filename}"


class Evidence(models.Model):
    """A note, photo or document supporting the finding on a clause or indicator."""

    class Kind(models.TextChoices):
        NOTE = "note", _("Note")
        PHOTO = "photo", _("Photo")
        DOCUMENT = "document", _("Document")

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="evidence")
    indicator = models.CharField(_("indicator"), max_length=16)
    clause = models.CharField(_("clause"), max_length=16, blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    note = models.TextField(_("note"), blank=True)
    file = models.FileField(upload_to=_evidence_path, max_length=255, blank=True)
    name = models.CharField(_("file name"), max_length=200, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    added_at = models.DateTimeField(default=timezone.now)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["indicator", "clause", "added_at", "id"]

    def __str__(self) -> str:
        return f"{self.round_id} {self.clause or self.indicator} {self.kind}"


class Deduction(models.Model):
    """An occurrence of a deduction item (EVAL-2). Several occurrences of one kind deduct
    once (A24)."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="deductions")
    kind = models.CharField(_("deduction"), max_length=32)
    description = models.TextField(_("what happened"))
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["recorded_at", "id"]

    def __str__(self) -> str:
        return f"{self.round_id} {self.kind}"


class Rectification(models.Model):
    """A problem found, to be fixed by its owner by its deadline (EVAL-4, QP 三(三)).

    ``track``: simple problems are fixed at once (即知即改), complex ones get a plan with
    measures and a deadline (整改方案). ``open`` → ``done`` (the centre reports the measure
    carried out) → ``closed`` (the evaluator verifies); an evaluator may close directly.
    """

    class Track(models.TextChoices):
        IMMEDIATE = "immediate", _("Fix at once")
        PLANNED = "planned", _("Rectification plan")

    class State(models.TextChoices):
        OPEN = "open", _("Not yet fixed")
        DONE = "done", _("Reported fixed")
        CLOSED = "closed", _("Verified and closed")

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="rectifications")
    indicator = models.CharField(_("indicator"), max_length=16)
    points_lost = models.DecimalField(max_digits=5, decimal_places=1, default=0)
    problem = models.TextField(_("problem"))
    measure = models.TextField(_("measure"))
    track = models.CharField(max_length=10, choices=Track.choices, default=Track.PLANNED)
    owner_name = models.CharField(_("owner"), max_length=100)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    deadline = models.DateField(_("deadline"))
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    done_at = models.DateTimeField(null=True, blank=True)
    done_note = models.TextField(_("what was done"), blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closing_note = models.TextField(_("verification"), blank=True)
    #: The last day a reminder went out, so the daily sweep reminds once a day.
    reminded_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["deadline", "id"]
        indexes = [
            models.Index(
                fields=["deadline"], condition=~Q(state="closed"), name="evaluation_rect_open"
            )
        ]

    def __str__(self) -> str:
        return f"{self.round_id} {self.indicator} {self.state}"
