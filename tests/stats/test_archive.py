"""Stored reports (STATS-2, St2): due on schedule, generated, listed and downloaded by scope."""

from __future__ import annotations

from datetime import date
from io import BytesIO

import pytest
from django.test import Client
from openpyxl import load_workbook

from hotline.stats.archive import Due, report_store, reports_due, reports_generate_due
from hotline.stats.models import StoredReport
from tests.stats.conftest import at, deliver

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.req("STATS-2")
def test_which_reports_fall_due_on_which_day():
    """St2: weekly every Monday, monthly on the 1st, quarter/half/year on the 1st after."""
    assert reports_due(date(2026, 10, 13)) == []  # a Tuesday
    assert reports_due(date(2026, 10, 12)) == [Due("weekly", "2026-W41")]
    assert reports_due(date(2026, 9, 1)) == [Due("monthly", "2026-08")]
    assert reports_due(date(2026, 10, 1)) == [
        Due("monthly", "2026-09"),
        Due("quarterly", "2026-Q3"),
    ]
    assert reports_due(date(2026, 7, 1)) == [
        Due("monthly", "2026-06"),
        Due("quarterly", "2026-Q2"),
        Due("half_year", "2026-H1"),
    ]
    # 1 March 2027 is a Monday: the week before and February.
    assert reports_due(date(2027, 3, 1)) == [
        Due("weekly", "2027-W08"),
        Due("monthly", "2027-02"),
    ]
    # 1 January 2029 is a Monday: the last ISO week of 2028 and every yearly report.
    assert reports_due(date(2029, 1, 1)) == [
        Due("weekly", "2028-W52"),
        Due("monthly", "2028-12"),
        Due("quarterly", "2028-Q4"),
        Due("half_year", "2028-H2"),
        Due("annual", "2028"),
    ]


@pytest.mark.req("STATS-2")
def test_the_worker_stores_each_due_report_once_as_xlsx_and_pdf(flow, unit, other_unit, centre):
    """The 1st of November: October's sheet for the centre and every unit, in both formats."""
    flow(unit.code, "2026-10-08 09:00")
    deliver()
    made = reports_generate_due(now=at("2026-11-01 01:30"))
    keys = {(r.kind, r.period, r.unit.code if r.unit else None, r.format) for r in made}
    assert keys == {
        ("monthly", "2026-10", scope, fmt)
        for scope in (None, unit.code, other_unit.code)
        for fmt in ("xlsx", "pdf")
    }
    assert reports_generate_due(now=at("2026-11-01 05:00")) == []  # once
    assert reports_generate_due(now=at("2026-11-03 01:30")) == []  # a Tuesday: nothing due
    sheet = StoredReport.objects.get(kind="monthly", unit=None, format="xlsx")
    book = load_workbook(BytesIO(sheet.file.read()))
    assert book.worksheets[0]["A1"].value == "月度办理情况反馈表"
    names = [row[0] for row in book.worksheets[0].iter_rows(min_row=5, values_only=True)]
    assert unit.name in names
    pdf = StoredReport.objects.get(kind="monthly", unit=None, format="pdf")
    assert pdf.file.read().startswith(b"%PDF")


@pytest.mark.req("STATS-2")
def test_reports_page_lists_downloads_and_generates_by_scope(
    flow, unit, other_unit, supervisor, unit_admin, agent
):
    """Supervisors see and generate every report; a unit sees and generates its own only."""
    flow(unit.code, "2026-10-08 09:00")
    deliver()
    centre_report = report_store("quarterly", "2026-Q4", "xlsx", now=at("2027-01-01 01:30"))
    theirs = report_store("monthly", "2026-10", "pdf", other_unit, now=at("2026-11-01 01:30"))
    ours = report_store("monthly", "2026-10", "xlsx", unit, now=at("2026-11-01 01:30"))

    boss = _client(supervisor)
    page = boss.get("/stats/reports/")
    assert page.status_code == 200
    text = page.content.decode()
    for stored in (centre_report, theirs, ours):
        assert f"/stats/reports/{stored.pk}/" in text
    download = boss.get(f"/stats/reports/{centre_report.pk}/")
    assert download.status_code == 200
    assert "attachment" in download["Content-Disposition"]
    assert "quarterly-2026-Q4-all.xlsx" in download["Content-Disposition"]
    book = load_workbook(BytesIO(b"".join(download.streaming_content)))
    assert book.worksheets[0]["A1"].value == "季度分析通报"

    made = boss.post("/stats/reports/", {"kind": "annual", "period": "2026", "format": "pdf"})
    assert made.status_code == 302
    annual = StoredReport.objects.get(kind="annual")
    assert annual.on_demand and annual.unit is None and annual.period_end == date(2026, 12, 31)
    bad = boss.post("/stats/reports/", {"kind": "weekly", "period": "2026-Q9", "format": "pdf"})
    assert bad.status_code == 400

    mine = _client(unit_admin)
    text = mine.get("/stats/reports/").content.decode()
    assert f"/stats/reports/{ours.pk}/" in text
    assert f"/stats/reports/{theirs.pk}/" not in text
    assert f"/stats/reports/{centre_report.pk}/" not in text
    assert mine.get(f"/stats/reports/{ours.pk}/").status_code == 200
    assert mine.get(f"/stats/reports/{theirs.pk}/").status_code == 404
    assert mine.get(f"/stats/reports/{centre_report.pk}/").status_code == 404
    # On demand a unit gets its own report, whatever unit it names.
    mine.post(
        "/stats/reports/",
        {"kind": "weekly", "period": "2026-W41", "format": "xlsx", "unit": other_unit.code},
    )
    weekly = StoredReport.objects.get(kind="weekly")
    assert weekly.unit == unit

    assert _client(agent).get("/stats/reports/").status_code == 403  # an agent reads no figures
