"""Supervision (督办) orders, reminder notices (催办通知书) and public notices (通报).

SUPERVISE-1…4 with readings §1.5 (V1–V5), W2, W3, A16. Tickets never import this app: it
reacts to ticket events and sweeps the deadlines itself.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Form(models.TextChoices):
    """The forms of supervision (SUPERVISE-3, SH 第十二条)."""

    SECOND_HANDLING = "second_handling", _("Second handling")
    PHONE = "phone", _("Phone supervision")
    WRITTEN = "written", _("Written supervision")
    ON_SITE = "on_site", _("On-site supervision")
    JOINT_MEETING = "joint_meeting", _("Joint meeting")


class Trigger(models.TextChoices):
    """Why an order was opened: by hand, or by one of the profile's triggers (§1.5)."""

    MANUAL = "manual", _("Opened by hand")
    REPEAT_CALL = "repeat_call", _("Dissatisfied and repeated calls")
    OVERDUE = "overdue", _("Overdue item")
    REMINDER_IGNORED = "reminder_ignored", _("Reminder notices ignored")


class OrderState(models.TextChoices):
    OPEN = "open", _("Open")
    EXPLAINED = "explained", _("Explained")
    CLOSED = "closed", _("Closed")


class SupervisionOrder(models.Model):
    """A supervision order (督办) on one ticket; at most one open order per ticket."""

    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="supervision_orders"
    )
    trigger = models.CharField(_("trigger"), max_length=24, choices=Trigger.choices)
    form = models.CharField(_("form"), max_length=16, choices=Form.choices)
    #: Who supervises, in the regulation's words (W2), e.g. 管理办公室.
    owner = models.CharField(_("owner"), max_length=100)
    reason = models.TextField(_("reason"))
    state = models.CharField(
        _("state"), max_length=10, choices=OrderState.choices, default=OrderState.OPEN
    )
    unit = models.ForeignKey(
        "directory.Unit",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("supervised unit"),
    )
    explanation_due_at = models.DateTimeField(_("explanation due"), null=True, blank=True)
    explanation_basis = models.CharField(max_length=200, blank=True)
    explanation = models.TextField(_("explanation"), blank=True)
    finding = models.TextField(_("finding"), blank=True)
    opened_at = models.DateTimeField(default=timezone.now)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    explained_at = models.DateTimeField(null=True, blank=True)
    explained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("supervision order")
        ordering = ["-opened_at", "-id"]
        constraints = [
            # One matter has at most one order that is not closed (SUPERVISE-2).
            models.UniqueConstraint(
                fields=["ticket"],
                condition=~Q(state="closed"),
                name="supervision_one_open_order_per_ticket",
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}/{self.pk} {self.state}"


class OrderEvent(models.Model):
    """One step of an order's own timeline."""

    order = models.ForeignKey(SupervisionOrder, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=48)  # supervision.order.opened, .explained, .closed
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.order_id} {self.action}"


class Reminder(models.Model):
    """A reminder notice 催办通知书 for an overdue reply deadline (SUPERVISE-1, W3, A16)."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    deadline = models.ForeignKey("tickets.Deadline", on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey("directory.Unit", on_delete=models.PROTECT, related_name="+")
    sequence = models.PositiveIntegerField(_("number"))
    issued_at = models.DateTimeField()
    #: The notice's own limit (clocks.reminder); None where the profile sets none.
    due_at = models.DateTimeField(null=True, blank=True)
    basis = models.CharField(max_length=200, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(_("reason reported"), blank=True)
    reason_at = models.DateTimeField(null=True, blank=True)
    escalated = models.BooleanField(default=False)
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("reminder notice")
        ordering = ["ticket_id", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "sequence"], name="supervision_reminder_number_per_ticket"
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}#{self.sequence}"


class Ground(models.TextChoices):
    """The accountability cases a notice may rest on (V5, W3)."""

    TJ31_1 = "tj31_1", "TJ 第三十一条(一) 对承办事项办理不及时或处理不当,造成不良影响的"
    TJ31_2 = "tj31_2", "TJ 第三十一条(二) 经督办仍未办结,且无正当理由的"
    TJ31_3 = "tj31_3", "TJ 第三十一条(三) 对法定职权范围内的承办事项拒不办理,推诿扯皮的"
    TJ31_4 = (
        "tj31_4",
        (
            "TJ 第三十一条(四) 打击报复求助群众,或泄露工作秘密,违反规定将投诉材料或有关情况"
            "透露给被投诉人或单位的"
        ),
    )
    SH26 = "sh26", "SH 第二十六条 有关单位违反本管理办法,不履行职责的"
    QLH53 = "qlh53", "QLH 五(三) 经催办未按期办理且不报告说明理由的"


class Notice(models.Model):
    """A public notice 通报 naming units that failed after supervision (SUPERVISE-4, V5).

    Notices count in assessment; an escalated reminder chain writes one with ground ``qlh53``.
    """

    units = models.ManyToManyField("directory.Unit", related_name="+", verbose_name=_("units"))
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    ground = models.CharField(_("ground"), max_length=8, choices=Ground.choices)
    text = models.TextField(_("text"))
    issued_at = models.DateTimeField(default=timezone.now)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reminder = models.ForeignKey(
        Reminder, on_delete=models.SET_NULL, null=True, blank=True, related_name="notices"
    )

    class Meta:
        verbose_name = _("public notice")
        ordering = ["-issued_at", "-id"]

    def __str__(self) -> str:
        return f"{self.pk} {self.ground}"
