"""The centre's own quality: agents' scored samples (STATS-5) and malicious-caller flags
(INTAKE-7).

Both sit above ``tickets`` (floor 4): a sample draws tickets, a flag cites tickets as evidence.
Tickets never import this app; the workstation (floor 5) reads the flags.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hotline.core.masking import mask_phone


class Item(models.TextChoices):
    """The agent-quality checklist (ZJ 第十七、十八条: 服务态度, 业务熟悉程度, 派单情况)."""

    COURTESY = "courtesy", _("Courtesy")
    ACCURACY = "accuracy", _("Accuracy of the answer")
    CLASSIFICATION = "classification", _("Classification and dispatch")
    COMPLETENESS = "completeness", _("Completeness of the record")


#: Each checklist item is scored 0 … ITEM_MAX; a review's score is its share of the maximum, in %.
ITEM_MAX = 5


class SampledTicket(models.Model):
    """One ticket drawn into an agent's monthly sample; the seed of the draw is stored."""

    month = models.DateField(_("month"))  # the first day of the month
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    seed = models.BigIntegerField(_("seed"))
    drawn_at = models.DateTimeField(_("drawn"), default=timezone.now)

    class Meta:
        verbose_name = _("sampled ticket")
        verbose_name_plural = _("sampled tickets")
        ordering = ["month", "agent_id", "ticket_id"]
        constraints = [
            models.UniqueConstraint(fields=["month", "ticket"], name="quality_ticket_once_a_month")
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.ticket_id}"


class Review(models.Model):
    """An inspector's scores of one sampled ticket: each checklist item 0 … ITEM_MAX, with a
    note per item and an overall note."""

    sample = models.OneToOneField(SampledTicket, on_delete=models.CASCADE, related_name="review")
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    courtesy = models.PositiveSmallIntegerField(_("courtesy"))
    accuracy = models.PositiveSmallIntegerField(_("accuracy of the answer"))
    classification = models.PositiveSmallIntegerField(_("classification and dispatch"))
    completeness = models.PositiveSmallIntegerField(_("completeness of the record"))
    notes = models.JSONField(_("notes per item"), default=dict, blank=True)
    note = models.TextField(_("note"), blank=True)
    reviewed_at = models.DateTimeField(_("reviewed"), default=timezone.now)

    class Meta:
        verbose_name = _("quality review")
        verbose_name_plural = _("quality reviews")
        constraints = [
            models.CheckConstraint(
                condition=Q(courtesy__lte=ITEM_MAX)
                & Q(accuracy__lte=ITEM_MAX)
                & Q(classification__lte=ITEM_MAX)
                & Q(completeness__lte=ITEM_MAX),
                name="quality_item_scores_within_max",
            )
        ]

    def __str__(self) -> str:
        return f"{self.sample} {self.score}"

    @property
    def total(self) -> int:
        return sum(int(getattr(self, item)) for item in Item.values)

    @property
    def score(self) -> float:
        """Return the review's score in percent of the maximum, one decimal."""
        return round(100 * self.total / (ITEM_MAX * len(Item.values)), 1)


class FlagReason(models.TextChoices):
    """TJ 第四十五条: "不得对…工作人员进行侮辱、谩骂,不得恶意占用…资源"."""

    ABUSE = "abuse", _("Insults or abuse of staff")
    LINE = "line", _("Malicious occupation of the line")


class FlagState(models.TextChoices):
    PENDING = "pending", _("Awaiting a supervisor")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected")
    LIFTED = "lifted", _("Lifted on appeal")


class CallerFlag(models.Model):
    """A phone number flagged as a malicious caller (INTAKE-7). Personal data: the number is
    masked in lists and every read of it in full is audited.

    An agent raises it with evidence; a supervisor confirms or rejects it; a confirmed flag is
    in force until ``valid_until`` and may be lifted on appeal. It never blocks a ticket.
    """

    phone = models.CharField(_("phone"), max_length=32, db_index=True)
    reason = models.CharField(_("reason"), max_length=8, choices=FlagReason.choices)
    note = models.TextField(_("evidence"))
    tickets = models.ManyToManyField("tickets.Ticket", blank=True, related_name="+")
    state = models.CharField(
        _("state"), max_length=10, choices=FlagState.choices, default=FlagState.PENDING
    )
    flagged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    flagged_at = models.DateTimeField(_("flagged"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.TextField(_("decision"), blank=True)
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)

    class Meta:
        verbose_name = _("malicious-caller flag")
        verbose_name_plural = _("malicious-caller flags")
        ordering = ["-flagged_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["phone"],
                condition=Q(state="pending"),
                name="quality_one_pending_flag_per_phone",
            )
        ]

    def __str__(self) -> str:
        return f"{mask_phone(self.phone)} {self.state}"

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    def in_force(self, at: datetime | None = None) -> bool:
        """Return True when the flag is confirmed and not yet expired at ``at``."""
        at = at or timezone.now()
        return (
            self.state == FlagState.CONFIRMED
            and self.valid_until is not None
            and at < self.valid_until
        )

    def status(self, at: datetime | None = None) -> str:
        """Return the state as readers see it: ``expired`` for a confirmed flag past its term."""
        if self.state == FlagState.CONFIRMED and not self.in_force(at):
            return "expired"
        return str(self.state)


class AppealState(models.TextChoices):
    PENDING = "pending", _("Awaiting a supervisor")
    UPHELD = "upheld", _("Upheld: flag lifted")
    DISMISSED = "dismissed", _("Dismissed")


class FlagAppeal(models.Model):
    """The caller's appeal against a confirmed flag, recorded by staff and decided by a
    supervisor; an upheld appeal lifts the flag."""

    flag = models.ForeignKey(CallerFlag, on_delete=models.CASCADE, related_name="appeals")
    grounds = models.TextField(_("grounds"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    filed_at = models.DateTimeField(_("filed"), default=timezone.now)
    state = models.CharField(
        _("state"), max_length=10, choices=AppealState.choices, default=AppealState.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.TextField(_("decision"), blank=True)

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["-filed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["flag"],
                condition=Q(state="pending"),
                name="quality_one_pending_appeal_per_flag",
            )
        ]

    def __str__(self) -> str:
        return f"{self.flag} {self.state}"


DEFAULT_SCRIPT = (
    "该号码已被认定为恶意来电（依据《便民服务专线管理办法》第四十五条）。请保持礼貌，"
    "先了解诉求：有合理诉求的照常受理登记，紧急事项立即办理；"
    "如对方辱骂或无故占线，先提醒一次，仍持续的可礼貌结束通话并在工单中记录。"
)


class FlagRule(models.Model):
    """The centre's rule for a flagged number (one row, set by the centre administrator): the
    warning script the workstation shows, and how long a confirmed flag stays in force."""

    script = models.TextField(_("warning script"), default=DEFAULT_SCRIPT)
    validity_days = models.PositiveSmallIntegerField(_("validity in days"), default=180)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("caller-flag rule")
        verbose_name_plural = _("caller-flag rule")

    def __str__(self) -> str:
        return f"{self.validity_days} days"
