"""The periodic reports (STATS-2, St2): every kind, as xlsx and PDF, Chinese intact."""

from __future__ import annotations

from datetime import date
from io import BytesIO

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from hotline.stats.reports import period_of
from hotline.stats.selectors import Period
from tests.stats.conftest import deliver

pytestmark = pytest.mark.django_db


def test_periods_of_each_kind():
    assert period_of("monthly", "2026-10") == Period(date(2026, 10, 1), date(2026, 10, 31))
    assert period_of("quarterly", "2026-10") == Period(date(2026, 10, 1), date(2026, 12, 31))
    assert period_of("half_year", "2026-10") == Period(date(2026, 7, 1), date(2026, 12, 31))
    assert period_of("annual", "2026-10") == Period(date(2026, 1, 1), date(2026, 12, 31))
    assert period_of("weekly", "2026-W41") == Period(date(2026, 10, 5), date(2026, 10, 11))
    assert period_of("quarterly", "2026-Q1") == Period(date(2026, 1, 1), date(2026, 3, 31))
    with pytest.raises(ValueError):
        period_of("monthly", "2026-13")


@pytest.mark.req("STATS-2")
@pytest.mark.parametrize("kind", ["weekly", "monthly", "quarterly", "half_year", "annual"])
def test_every_report_opens_with_its_chinese_title(kind, flow, unit, tmp_path):
    """STATS-2 (St2): weekly intake … annual statistics, as a workbook and a PDF."""
    flow(unit.code, "2026-10-08 09:00")
    deliver()
    xlsx, pdf = tmp_path / "r.xlsx", tmp_path / "r.pdf"
    call_command("report", "--kind", kind, "--period", "2026-10", "--format", "xlsx", "--out", xlsx)
    call_command("report", "--kind", kind, "--period", "2026-10", "--format", "pdf", "--out", pdf)
    book = load_workbook(BytesIO(xlsx.read_bytes()))
    first = book.worksheets[0]
    assert first["A1"].value in {
        "周受理量统计", "月度办理情况反馈表", "季度分析通报", "半年度统计报告", "年度统计及考核报告"
    }  # fmt: skip
    values = [c for row in first.iter_rows(values_only=True) for c in row if c is not None]
    if kind == "weekly":
        assert "合计" in values and 1 in values
    else:
        assert unit.name in values
    assert pdf.read_bytes().startswith(b"%PDF") and b"STSong-Light" in pdf.read_bytes()


def test_one_units_report_and_bad_arguments(flow, unit, other_unit, tmp_path):
    flow(unit.code, "2026-10-08 09:00")
    deliver()
    out = tmp_path / "u.xlsx"
    call_command(
        "report", "--kind", "monthly", "--period", "2026-10", "--unit", "SW",
        "--format", "xlsx", "--out", out,
    )  # fmt: skip
    names = [r[0] for r in load_workbook(out).worksheets[0].iter_rows(min_row=5, values_only=True)]
    assert names == [other_unit.name]
    with pytest.raises(CommandError):
        call_command(
            "report", "--kind", "monthly", "--period", "2026-13", "--format", "pdf", "--out", out
        )
    with pytest.raises(CommandError):
        call_command(
            "report", "--kind", "monthly", "--period", "2026-10", "--unit", "NOPE",
            "--format", "pdf", "--out", out,
        )  # fmt: skip
