"""The periodic reports (STATS-2, St2) as xlsx and PDF, from ``selectors.unit_figures``.

- weekly: the intake count (受理量) by day of the week, or by week of a month (QLH 六(二));
- monthly: the feedback sheet per unit (月反馈);
- quarterly: the analysis (季通报): units, categories, channels and the monthly trend;
- half_year and annual: the statistics for the city's leaders (TJ 第三十条), and in the annual
  report also the assessment ranking (QLH 年考核).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from io import BytesIO
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from hotline.core.categories import Category
from hotline.directory.models import Unit
from hotline.stats.selectors import Period, breakdown, centre_figures, unit_figures
from hotline.tickets.models import Channel

KINDS = ("weekly", "monthly", "quarterly", "half_year", "annual")
TITLES = {
    "weekly": "周受理量统计",
    "monthly": "月度办理情况反馈表",
    "quarterly": "季度分析通报",
    "half_year": "半年度统计报告",
    "annual": "年度统计及考核报告",
}
FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

UNIT_COLUMNS = [
    ("name", "承办单位"),
    ("received", "接案数"),
    ("replied", "答复数"),
    ("on_time", "按时办结"),
    ("overdue", "超期"),
    ("on_time_rate", "按时办结率"),
    ("extended", "延期"),
    ("explained", "缓办"),
    ("returned", "退回"),
    ("redispatched", "重复派遣"),
    ("supervised", "督办"),
    ("reminders", "催办"),
    ("callbacks", "回访"),
    ("satisfaction_rate", "满意率"),
    ("score", "考核得分"),
]
COUNT_COLUMNS = [
    ("registered", "登记"),
    ("accepted", "受理"),
    ("answered", "直接答复"),
    ("rejected", "不予受理"),
    ("navigated", "导航"),
    ("replied", "答复"),
    ("on_time_rate", "按时办结率"),
    ("satisfaction_rate", "满意率"),
]


class PeriodError(ValueError):
    """The period text does not name a period of that kind."""


def period_of(kind: str, text: str) -> Period:
    """Return the period ``text`` names for ``kind``.

    Accepted: ``2026-10`` for every kind (the week, quarter, half or year that holds the month;
    weekly: the weeks of that month), ``2026-W41`` or ``2026-10-05`` (weekly), ``2026-Q4``,
    ``2026-H2``, ``2026``.
    """
    if kind not in KINDS:
        raise PeriodError(kind)
    if m := re.fullmatch(r"(\d{4})-(\d{2})", text):
        year, month = int(m[1]), int(m[2])
        if not 1 <= month <= 12:
            raise PeriodError(text)
        if kind in ("weekly", "monthly"):
            return Period(date(year, month, 1), _month_end(year, month))
        if kind == "quarterly":
            first = (month - 1) // 3 * 3 + 1
            return Period(date(year, first, 1), _month_end(year, first + 2))
        if kind == "half_year":
            first = 1 if month <= 6 else 7
            return Period(date(year, first, 1), _month_end(year, first + 5))
        return Period(date(year, 1, 1), date(year, 12, 31))
    if kind == "weekly" and (m := re.fullmatch(r"(\d{4})-W(\d{2})", text)):
        start = date.fromisocalendar(int(m[1]), int(m[2]), 1)
        return Period(start, start + timedelta(days=6))
    if kind == "weekly" and re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        day = date.fromisoformat(text)
        start = day - timedelta(days=day.weekday())
        return Period(start, start + timedelta(days=6))
    if kind == "quarterly" and (m := re.fullmatch(r"(\d{4})-Q([1-4])", text)):
        first = (int(m[2]) - 1) * 3 + 1
        return Period(date(int(m[1]), first, 1), _month_end(int(m[1]), first + 2))
    if kind == "half_year" and (m := re.fullmatch(r"(\d{4})-H([12])", text)):
        first = 1 if m[2] == "1" else 7
        return Period(date(int(m[1]), first, 1), _month_end(int(m[1]), first + 5))
    if kind == "annual" and re.fullmatch(r"\d{4}", text):
        return Period(date(int(text), 1, 1), date(int(text), 12, 31))
    raise PeriodError(text)


def _month_end(year: int, month: int) -> date:
    if month == 12:
        return date(year, 12, 31)
    return date(year, month + 1, 1) - timedelta(days=1)


@dataclass
class Section:
    heading: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)


@dataclass
class Report:
    title: str
    subtitle: str
    sections: list[Section]


def _cell(value: Any, code: str) -> Any:
    if value is None:
        return "—"
    if code.endswith("_rate"):
        return f"{value * 100:.1f}%"
    return value


def _unit_section(heading: str, rows: list[dict[str, Any]]) -> Section:
    section = Section(heading, [label for _, label in UNIT_COLUMNS])
    for row in rows:
        section.rows.append([_cell(row[code], code) for code, _ in UNIT_COLUMNS])
    return section


def _counts_section(
    heading: str, key: str, rows: list[dict[str, Any]], names: dict[Any, Any]
) -> Section:
    section = Section(heading, [key, *[label for _, label in COUNT_COLUMNS]])
    for row in rows:
        label = names.get(row["key"], row["key"])
        section.rows.append([str(label), *[_cell(row[c], c) for c, _ in COUNT_COLUMNS]])
    return section


def _months(period: Period) -> list[Period]:
    months, day = [], period.start
    while day <= period.end:
        end = min(_month_end(day.year, day.month), period.end)
        months.append(Period(day, end))
        day = end + timedelta(days=1)
    return months


def report_build(kind: str, period: Period, unit: Unit | None = None) -> Report:
    """Return the report ``kind`` of ``period`` (for ``unit`` and its sub-units, or all)."""
    units = [unit] if unit is not None else list(Unit.objects.exclude(kind=Unit.Kind.CENTRE))
    who = unit.name if unit is not None else "全部承办单位"
    subtitle = f"统计期间：{period.start:%Y年%m月%d日}至{period.end:%Y年%m月%d日}　范围：{who}"
    title = TITLES[kind]
    sections: list[Section] = []
    if kind == "weekly":
        days = breakdown(period, "day", unit)
        section = Section("受理量", ["日期", "受理量" if unit is None else "接案数"])
        total = 0
        for row in days:
            value = row["accepted"] if unit is None else row["received"]
            total += value
            section.rows.append([row["key"].isoformat(), value])
        section.rows.append(["合计", total])
        sections.append(section)
    else:
        figures = unit_figures(period, units)
        if kind == "annual":
            figures.sort(key=lambda r: (-r["score"], r["unit"]))
        sections.append(_unit_section("承办单位办理情况", figures))
        if kind != "monthly":
            categories = dict(Category.choices)
            channels = dict(Channel.choices)
            sections.append(
                _counts_section("按诉求类别", "类别", breakdown(period, "category"), categories)
            )
            sections.append(
                _counts_section("按受理渠道", "渠道", breakdown(period, "channel"), channels)
            )
            trend = Section("月度趋势", ["月份", *[label for _, label in COUNT_COLUMNS]])
            for month in _months(period):
                row = centre_figures(month)
                trend.rows.append(
                    [f"{month.start:%Y-%m}", *[_cell(row[c], c) for c, _ in COUNT_COLUMNS]]
                )
            sections.append(trend)
        if kind == "annual":
            ranking = Section("年度考核排名", ["名次", "承办单位", "考核得分"])
            for n, row in enumerate(figures, 1):
                ranking.rows.append([n, row["name"], row["score"]])
            sections.append(ranking)
    return Report(title, subtitle, sections)


def report_xlsx(report: Report) -> bytes:
    """Return ``report`` as an xlsx workbook: one sheet per section."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for section in report.sections:
        sheet = book.create_sheet(section.heading[:31])
        sheet.append([report.title])
        sheet["A1"].font = Font(bold=True, size=14)
        sheet.append([report.subtitle])
        sheet.append([])
        sheet.append(section.columns)
        for cell in sheet[4]:
            cell.font = Font(bold=True)
        for row in section.rows:
            sheet.append(row)
        sheet.column_dimensions["A"].width = 28
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def report_pdf(report: Report) -> bytes:
    """Return ``report`` as an A4 landscape PDF in the CID font STSong-Light."""
    buffer = BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=report.title,
        invariant=1,
    )
    title = ParagraphStyle("t", fontName=FONT, fontSize=18, leading=24, alignment=1)
    text = ParagraphStyle("p", fontName=FONT, fontSize=10, leading=14)
    head = ParagraphStyle("h", fontName=FONT, fontSize=13, leading=18, spaceBefore=8)
    story: list[Any] = [Paragraph(report.title, title), Paragraph(report.subtitle, text)]
    for section in report.sections:
        story += [Spacer(1, 4 * mm), Paragraph(section.heading, head)]
        data = [section.columns, *[[str(c) for c in row] for row in section.rows]]
        table = Table(data, repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, -1), FONT, 8),
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef7")),
                    ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
                ]
            )
        )
        story.append(table)
    doc.build(story)
    return buffer.getvalue()
