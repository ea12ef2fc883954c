"""Stored reports (STATS-2, St2): the periodic reports generated on schedule and on demand.

``reports_due(day)`` says which reports fall due on ``day`` (Asia/Shanghai): every Monday the
weekly intake of the week before; on the 1st of a month the monthly sheet of the month before;
on 1 January, April, July and October the quarterly analysis of the quarter before; on 1 January
and 1 July the half-year statistics; on 1 January the annual report. The worker
(``tasks.generate_reports``, daily 01:30 Asia/Shanghai) writes each due report as xlsx and PDF
for the whole centre and, for the monthly feedback sheet, also for every unit, with the one
report code of ``reports.py`` (the same as ``hotline report``). A report is stored once per
kind, period, unit and format under ``MEDIA_ROOT/reports/``; generating it again replaces its file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation

from hotline.directory.models import Unit
from hotline.stats.models import StoredReport
from hotline.stats.reports import period_of, report_build, report_pdf, report_xlsx

FORMATS = ("xlsx", "pdf")


@dataclass(frozen=True)
class Due:
    kind: str
    period: str  # the text ``period_of`` reads: 2026-W41, 2026-10, 2026-Q4, 2026-H2, 2026


def reports_due(day: date) -> list[Due]:
    """Return the reports that fall due on ``day`` (each for the period just ended)."""
    due: list[Due] = []
    if day.weekday() == 0:
        year, week, _ = (day - timedelta(days=7)).isocalendar()
        due.append(Due("weekly", f"{year}-W{week:02d}"))
    if day.day == 1:
        last = day - timedelta(days=1)
        due.append(Due("monthly", f"{last:%Y-%m}"))
        if day.month in (1, 4, 7, 10):
            due.append(Due("quarterly", f"{last.year}-Q{(last.month - 1) // 3 + 1}"))
        if day.month in (1, 7):
            due.append(Due("half_year", f"{last.year}-H{1 if last.month <= 6 else 2}"))
        if day.month == 1:
            due.append(Due("annual", f"{last.year}"))
    return due


def report_store(
    kind: str,
    period: str,
    fmt: str,
    unit: Unit | None = None,
    *,
    now: datetime | None = None,
    on_demand: bool = False,
) -> StoredReport:
    """Generate the report and store it (replacing an earlier file of the same report).

    Raises ``reports.PeriodError`` (a ``ValueError``) when ``period`` names no ``kind`` period.
    """
    if fmt not in FORMATS:
        raise ValueError(fmt)
    now = now or timezone.now()
    span = period_of(kind, period)
    with translation.override("zh-hans"):
        built = report_build(kind, span, unit)
        data = report_xlsx(built) if fmt == "xlsx" else report_pdf(built)
    with transaction.atomic():
        stored = (
            StoredReport.objects.select_for_update()
            .filter(
                kind=kind,
                period_start=span.start,
                period_end=span.end,
                unit=unit,
                format=fmt,
            )
            .first()
        )
        if stored is None:
            stored = StoredReport(
                kind=kind, period_start=span.start, period_end=span.end, unit=unit, format=fmt
            )
        elif stored.file:
            stored.file.delete(save=False)
        stored.period = period
        stored.generated_at = now
        stored.size = len(data)
        stored.on_demand = on_demand
        stored.file.save(stored.filename, ContentFile(data), save=False)
        stored.save()
    return stored


def reports_generate_due(now: datetime | None = None) -> list[StoredReport]:
    """Write the reports due today that are not stored yet; return the new ones."""
    now = now or timezone.now()
    day = timezone.localdate(now)
    units = list(Unit.objects.exclude(kind=Unit.Kind.CENTRE).order_by("code"))
    made: list[StoredReport] = []
    for due in reports_due(day):
        span = period_of(due.kind, due.period)
        scopes: list[Unit | None] = [None, *units] if due.kind == "monthly" else [None]
        for unit in scopes:
            for fmt in FORMATS:
                exists = StoredReport.objects.filter(
                    kind=due.kind,
                    period_start=span.start,
                    period_end=span.end,
                    unit=unit,
                    format=fmt,
                ).exists()
                if not exists:
                    made.append(report_store(due.kind, due.period, fmt, unit, now=now))
    return made
