"""Statistics: per-ticket facts, their rollups, assessment weights and call records.

``Fact`` holds what one ticket contributed to one unit's indicators (``unit_key`` 0: the
ticket itself, for the centre's indicators); ``DailyRollup`` sums facts by registration day,
unit, channel, category and area. Three coarser rollups are kept beside it in the same
transaction, so that a city's ranking, drill-down totals and dashboard read a few thousand rows
however many tickets there are: ``UnitDayRollup`` (day × unit), ``UnitMonthRollup``
(month × unit) and ``CentreDayBreakdown`` (the centre's day × channel, category or area). All
are derived: ``hotline stats rebuild`` recomputes them from the ticket events (docs/metrics.md).
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

#: The counters a fact and a rollup carry, in the order docs/metrics.md lists them.
COUNTERS: tuple[str, ...] = (
    "registered",
    "accepted",
    "rejected",
    "navigated",
    "answered",
    "received",
    "signed_in_time",
    "contacted_in_time",
    "replied",
    "on_time",
    "overdue",
    "extended",
    "explained",
    "returned",
    "redispatched",
    "redo",
    "supervised",
    "reminders",
    "closed",
    "callbacks",
    "unreached",
    "satisfied",
    "basically_satisfied",
    "dissatisfied",
    "solved",
    "evaluated",
)

#: The counters one fact may carry more than once (a ticket returned twice counts 2); every
#: other counter is 0 or 1 per fact, so its sum over a period is also its number of tickets.
REPEATABLE: frozenset[str] = frozenset(
    {"redispatched", "redo", "returned", "reminders", "unreached"}
)


class Counters(models.Model):
    """The counters every fact and rollup carries (``COUNTERS``)."""

    registered = models.PositiveIntegerField(default=0)
    accepted = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    navigated = models.PositiveIntegerField(default=0)
    answered = models.PositiveIntegerField(default=0)
    received = models.PositiveIntegerField(default=0)
    signed_in_time = models.PositiveIntegerField(default=0)
    contacted_in_time = models.PositiveIntegerField(default=0)
    replied = models.PositiveIntegerField(default=0)
    on_time = models.PositiveIntegerField(default=0)
    overdue = models.PositiveIntegerField(default=0)
    extended = models.PositiveIntegerField(default=0)
    explained = models.PositiveIntegerField(default=0)
    returned = models.PositiveIntegerField(default=0)
    redispatched = models.PositiveIntegerField(default=0)
    redo = models.PositiveIntegerField(default=0)
    supervised = models.PositiveIntegerField(default=0)
    reminders = models.PositiveIntegerField(default=0)
    closed = models.PositiveIntegerField(default=0)
    callbacks = models.PositiveIntegerField(default=0)
    unreached = models.PositiveIntegerField(default=0)
    satisfied = models.PositiveIntegerField(default=0)
    basically_satisfied = models.PositiveIntegerField(default=0)
    dissatisfied = models.PositiveIntegerField(default=0)
    solved = models.PositiveIntegerField(default=0)
    evaluated = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class Dimensions(Counters):
    """The keys every fact and fine rollup has: registration day, unit, channel, category, area."""

    day = models.DateField()  # the ticket's registration date in Asia/Shanghai
    unit_key = models.IntegerField()  # directory.Unit pk; 0 for the ticket itself (centre)
    channel = models.CharField(max_length=16)
    category = models.CharField(max_length=16)
    area_key = models.IntegerField()  # directory.Area pk; 0 when none

    class Meta:
        abstract = True


class Fact(Dimensions):
    """What one ticket contributes to one unit's indicators (recomputed on each event)."""

    objects: ClassVar[models.Manager[Fact]] = models.Manager()

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ticket", "unit_key"], name="stats_fact_once")
        ]
        indexes = [models.Index(fields=["unit_key", "day"])]

    def __str__(self) -> str:
        return f"{self.ticket.pk}/{self.unit_key}"


class DailyRollup(Dimensions):
    """The sum of the facts of one day, unit, channel, category and area."""

    objects: ClassVar[models.Manager[DailyRollup]] = models.Manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "unit_key", "channel", "category", "area_key"],
                name="stats_rollup_once",
            )
        ]
        indexes = [models.Index(fields=["unit_key", "day"])]

    def __str__(self) -> str:
        return f"{self.day} {self.unit_key} {self.channel} {self.category} {self.area_key}"


class UnitDayRollup(Counters):
    """The sum of the facts of one registration day and unit (``unit_key`` 0: the centre)."""

    objects: ClassVar[models.Manager[UnitDayRollup]] = models.Manager()

    day = models.DateField()
    unit_key = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit_key", "day"], name="stats_unitday_once")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.unit_key}"


class UnitMonthRollup(Counters):
    """The sum of the facts of one registration month (its first day) and unit."""

    objects: ClassVar[models.Manager[UnitMonthRollup]] = models.Manager()

    month = models.DateField()
    unit_key = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit_key", "month"], name="stats_unitmonth_once")
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.unit_key}"


class CentreDayBreakdown(Counters):
    """The centre's facts of one registration day by one channel, category or area."""

    class Dimension(models.TextChoices):
        CHANNEL = "channel", _("Channel")
        CATEGORY = "category", _("Category")
        AREA = "area", _("Area")

    objects: ClassVar[models.Manager[CentreDayBreakdown]] = models.Manager()

    day = models.DateField()
    dimension = models.CharField(max_length=8, choices=Dimension.choices)
    key = models.CharField(max_length=16)  # the channel, the category or the area's pk

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["dimension", "day", "key"], name="stats_centreday_once")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.dimension}={self.key}"


class Watermark(models.Model):
    """How far the catch-up of supervision rows went (name → last id seen)."""

    objects: ClassVar[models.Manager[Watermark]] = models.Manager()

    name = models.CharField(max_length=64, primary_key=True)
    last_id = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}: {self.last_id}"


class AssessmentWeights(models.Model):
    """One version of the assessment weights (STATS-4), set by the centre administrator.

    A period is scored with the newest version whose ``valid_from`` is on or before the
    period's first day (the first version when none is); versions are never edited.
    """

    objects: ClassVar[models.Manager[AssessmentWeights]] = models.Manager()

    version = models.PositiveIntegerField(_("version"), unique=True)
    valid_from = models.DateField(_("valid from"))
    on_time = models.DecimalField(_("on-time completion weight"), max_digits=6, decimal_places=2)
    satisfaction = models.DecimalField(_("satisfaction weight"), max_digits=6, decimal_places=2)
    kb_timeliness = models.DecimalField(
        _("knowledge-base timeliness weight"), max_digits=6, decimal_places=2
    )
    per_order = models.DecimalField(
        _("deduction per supervision order"), max_digits=6, decimal_places=2
    )
    per_reminder = models.DecimalField(
        _("deduction per reminder notice"), max_digits=6, decimal_places=2
    )
    per_notice = models.DecimalField(
        _("deduction per public notice"), max_digits=6, decimal_places=2
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    set_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("assessment weights")
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"v{self.version} ({self.valid_from})"


class CallRecord(models.Model):
    """One call from the telephony system's CDR export (CALLCENTRE-3), stored once per call_id."""

    objects: ClassVar[models.Manager[CallRecord]] = models.Manager()

    call_id = models.CharField(max_length=64, unique=True)
    number = models.CharField(max_length=32)
    direction = models.CharField(max_length=8)  # inbound | outbound
    offered_at = models.DateTimeField(db_index=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    agent = models.CharField(max_length=64, blank=True)
    queue = models.CharField(max_length=64, blank=True)
    recording_url = models.CharField(max_length=500, blank=True)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["offered_at", "id"]

    def __str__(self) -> str:
        return self.call_id

    @property
    def wait_seconds(self) -> float | None:
        if self.answered_at is None:
            return None
        return (self.answered_at - self.offered_at).total_seconds()


class HotTopic(models.Model):
    """A hot-topic alert (STATS-3): one matter in one area rose well above its baseline.

    Written by ``alerts.hot_topics_detect`` (the worker, daily); the rule is in docs/metrics.md.
    """

    detected_on = models.DateField()  # the last day of the window, Asia/Shanghai
    area_key = models.IntegerField()  # directory.Area pk; 0 when the tickets name no area
    area_name = models.CharField(max_length=64, blank=True)
    key = models.CharField(max_length=32)  # the first term: one alert per matter, area, day
    terms = models.JSONField(default=list)  # the matter: its words, most frequent first
    count = models.PositiveIntegerField()  # tickets in the 7-day window
    baseline = models.FloatField()  # mean tickets per 7 days over the 28 days before
    tickets = models.JSONField(default=list)  # the numbers of the tickets behind it
    created_at = models.DateTimeField(default=timezone.now)

    objects: ClassVar[models.Manager[HotTopic]] = models.Manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["-detected_on", "-count"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["detected_on", "area_key", "key"], name="stats_hottopic_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.detected_on} {self.area_name} {'/'.join(self.terms)}"


def _report_path(instance: StoredReport, filename: str) -> str:
    return f"reports/{instance.period_start:%Y}/{filename}"


class StoredReport(models.Model):
    """A generated periodic report (STATS-2), stored for download (``archive.py``).

    The worker writes the reports that fell due (``archive.reports_due``); the reports page
    writes one on demand. One row per kind, period, unit and format: a new generation replaces
    the file.
    """

    kind = models.CharField(max_length=16)  # reports.KINDS
    period = models.CharField(max_length=16)  # as given: 2026-W41, 2026-10, 2026-Q4, 2026-H2, 2026
    period_start = models.DateField()
    period_end = models.DateField()
    unit = models.ForeignKey(
        "directory.Unit", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )  # None: every unit (the centre's report)
    format = models.CharField(max_length=4)  # xlsx | pdf
    file = models.FileField(upload_to=_report_path, max_length=255)
    size = models.PositiveIntegerField(default=0)
    generated_at = models.DateTimeField(default=timezone.now)
    on_demand = models.BooleanField(default=False)

    objects: ClassVar[models.Manager[StoredReport]] = models.Manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["-period_start", "kind", "unit_id", "format"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["kind", "period_start", "period_end", "unit", "format"],
                name="stats_storedreport_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.period} {self.format}"

    @property
    def filename(self) -> str:
        who = self.unit.code if self.unit is not None else "all"
        return f"{self.kind}-{self.period}-{who}.{self.format}"
