"""The evaluation pages driven by POSTs, and the PDF report (Chinese intact)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.test import Client

from hotline.evaluation import services as svc
from hotline.evaluation.models import Rectification, Round

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def pdf_text(data: bytes) -> str:
    """Return the text of the PDF's uncompressed content (UCS-2 literal strings)."""
    out = []
    for raw in re.findall(rb"\(((?:\\.|[^\\)])*)\) Tj", data):
        decoded = re.sub(
            rb"\\([0-7]{1,3}|.)",
            lambda m: (
                bytes([int(m.group(1), 8)])
                if m.group(1)[:1].isdigit()
                else {b"n": b"\n", b"r": b"\r", b"t": b"\t"}.get(m.group(1), m.group(1))
            ),
            raw,
        )
        out.append(decoded.decode("utf-16-be", errors="replace"))
    return "".join(out)


@pytest.mark.req("EVAL-1")
def test_a_round_is_run_from_the_pages_and_reported_as_pdf(supervisor, unit, unit_admin, outsider):
    web = client_for(supervisor)
    r = web.post(
        "/evaluation/rounds/open/",
        {
            "centre": unit.code,
            "year": "2026",
            "standard": "QP-EVAL-2022",
            "period_start": "2026-01-01",
            "period_end": "2026-06-30",
        },
    )
    rnd = Round.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/evaluation/rounds/{rnd.pk}/"
    web.post(f"/evaluation/rounds/{rnd.pk}/formal-date/", {"formal_on": "2026-06-15"})
    assert rnd.stages.get(step=4).due_on == date(2026, 6, 1)
    web.post(f"/evaluation/rounds/{rnd.pk}/stages/1/", {"done": "1", "note": "集中学习"})
    r = web.post(
        f"/evaluation/rounds/{rnd.pk}/scores/", {"indicator": "1.2", "points": "10.5"}, follow=True
    )
    assert "请写明失分原因" in r.content.decode()
    web.post(
        f"/evaluation/rounds/{rnd.pk}/scores/",
        {"indicator": "1.2", "points": "10.5", "lost_reason": "卫生间无洗手液"},
    )
    web.post(
        f"/evaluation/rounds/{rnd.pk}/evidence/",
        {"indicator": "1.2", "clause": "1.2.7", "note": "女卫生间无洗手液"},
    )
    web.post(
        f"/evaluation/rounds/{rnd.pk}/deductions/",
        {"kind": "serious_violation", "description": "违规收费"},
    )
    web.post(
        f"/evaluation/rounds/{rnd.pk}/deductions/",
        {"kind": "negative_publicity", "description": "负面报道"},
    )
    web.post(
        f"/evaluation/rounds/{rnd.pk}/rectifications/",
        {
            "indicator": "1.2",
            "measure": "补齐洗手液",
            "owner": "中心主任",
            "working_days": "3",
            "track": "immediate",
        },
    )
    item = Rectification.objects.get()
    page = web.get(f"/evaluation/rounds/{rnd.pk}/").content.decode()
    assert "卫生间无洗手液" in page and "补齐洗手液" in page and "女卫生间无洗手液" in page
    # The centre's own staff see the round and report the item fixed; outsiders see nothing.
    centre = client_for(unit_admin)
    assert centre.get(f"/evaluation/rounds/{rnd.pk}/").status_code == 200
    centre.post(f"/evaluation/rectifications/{item.pk}/done/", {"note": "已补齐"})
    web.post(f"/evaluation/rectifications/{item.pk}/close/", {"note": "复查到位"})
    item.refresh_from_db()
    assert item.state == "closed"
    other = client_for(outsider)
    assert other.get(f"/evaluation/rounds/{rnd.pk}/").status_code == 404
    assert other.get(f"/evaluation/rounds/{rnd.pk}/report.pdf").status_code == 404
    # The report: total, the lost point with its reason, the capped deduction, the item.
    r = web.get(f"/evaluation/rounds/{rnd.pk}/report.pdf")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    text = pdf_text(r.content)
    assert r.content.startswith(b"%PDF")
    assert "2026年社区事务受理服务中心评估报告" in text
    assert "卫生间无洗手液" in text
    assert "补齐洗手液" in text
    assert "合计扣15分" in text
    index = web.get("/evaluation/?year=2026").content.decode()
    assert unit.name in index
    assert web.get(f"/evaluation/centres/{unit.pk}/trend/").status_code == 200


def test_the_index_is_for_evaluators_and_centres_with_rounds(
    unit_admin, outsider, supervisor, unit
):
    assert client_for(outsider).get("/evaluation/").status_code == 403
    svc.round_create(actor=supervisor, centre=unit, year=2026, standard="QP-EVAL-2022")
    assert client_for(unit_admin).get("/evaluation/").status_code == 200
    assert client_for(supervisor).get("/evaluation/").status_code == 200


def test_a_bad_standard_file_is_refused_naming_the_clause(supervisor):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from hotline.evaluation.standard import SHIPPED_DIR

    text = (SHIPPED_DIR / "QP-EVAL-2022.yaml").read_text(encoding="utf-8")
    bad = text.replace("id: QP-EVAL-2022", "id: QP-EVAL-2024", 1).replace(
        "        item: 大厅环境\n", "        item: 大厅环境\n        points: 2\n", 1
    )
    r = client_for(supervisor).post(
        "/evaluation/standards/load/",
        {"file": SimpleUploadedFile("2024.yaml", bad.encode())},
        follow=True,
    )
    assert "1.2.1: clauses carry no points" in r.content.decode()
