"""Rounds, stages, scores, computed indicators and rectification (EVAL-2…5)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from hotline.core.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from hotline.evaluation import selectors as sel
from hotline.evaluation import services as svc
from hotline.evaluation.indicators import indicators_compute
from hotline.evaluation.models import Evidence, Rectification
from hotline.evaluation.standard import shipped_standard
from hotline.notifications.models import OutboxMessage
from hotline.tickets import services as tsvc
from tests.evaluation.helpers import at, handed

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def rnd(supervisor, unit):
    return svc.round_create(
        actor=supervisor,
        centre=unit,
        year=2026,
        standard="QP-EVAL-2022",
        period_start=date(2026, 1, 1),
        period_end=date(2026, 6, 30),
        formal_on=date(2026, 10, 19),
        now=at("2026-02-10 09:00"),
    )


@pytest.mark.req("EVAL-3")
def test_a_round_has_the_five_stages_due_on_working_days(rnd):
    """EVAL-3, readings §1.8: 3月底前, 4月底前, 5月底前, two weeks before the formal date (moved
    back off the National Day holiday to 2026-09-30), then the formal evaluation."""
    stages = [(s.step, s.name, s.due_on) for s in rnd.stages.all()]
    assert stages == [
        (1, "组织学习", date(2026, 3, 31)),
        (2, "自查整改", date(2026, 4, 30)),
        (3, "现场指导", date(2026, 5, 29)),  # 31 May 2026 is a Sunday
        (4, "模拟评估", date(2026, 9, 30)),  # 19 Oct − 14 days = 5 Oct, a holiday
        (5, "现场评估", date(2026, 10, 19)),
    ]
    assert rnd.stages.get(step=3).owner_name == "区行政服务中心"


@pytest.mark.req("EVAL-3")
def test_the_mock_evaluation_waits_for_the_formal_date_and_moves_with_it(supervisor, unit):
    rnd = svc.round_create(actor=supervisor, centre=unit, year=2026, standard="QP-EVAL-2022")
    assert rnd.stages.get(step=4).due_on is None
    assert rnd.period_start == date(2025, 1, 1)
    svc.round_set_formal_date(actor=supervisor, round=rnd, formal_on=date(2026, 6, 15))
    assert rnd.stages.get(step=4).due_on == date(2026, 6, 1)
    assert rnd.stages.get(step=5).due_on == date(2026, 6, 15)


@pytest.mark.req("EVAL-3")
def test_stages_are_done_in_order_and_one_round_per_centre_and_year(rnd, supervisor, unit):
    with pytest.raises(DomainError, match="请先完成“组织学习”") as exc:
        svc.stage_update(actor=supervisor, stage=rnd.stages.get(step=2), done=True)
    assert exc.value.status == 409
    svc.stage_update(actor=supervisor, stage=rnd.stages.get(step=1), done=True, note="集中学习")
    svc.stage_update(actor=supervisor, stage=rnd.stages.get(step=2), done=True)
    with pytest.raises(DomainError) as exc:
        svc.round_create(actor=supervisor, centre=unit, year=2026, standard="QP-EVAL-2022")
    assert exc.value.code == "round_exists"


def test_only_evaluators_open_rounds(unit_admin, unit):
    with pytest.raises(PermissionDenied):
        svc.round_create(actor=unit_admin, centre=unit, year=2026, standard="QP-EVAL-2022")


@pytest.mark.req("EVAL-1")
def test_a_lost_point_needs_its_reason_and_a_score_above_the_points_is_refused(rnd, supervisor):
    with pytest.raises(InvalidInput, match=r"1\.2 受理大厅：扣了1\.5分，请写明失分原因"):
        svc.score_record(actor=supervisor, round=rnd, indicator="1.2", points="10.5")
    with pytest.raises(InvalidInput, match=r"1\.1: the score 4\.5 is above") as exc:
        svc.score_record(actor=supervisor, round=rnd, indicator="1.1", points=4.5)
    assert exc.value.extra == {"where": "1.1"}
    score = svc.score_record(
        actor=supervisor, round=rnd, indicator="1.2", points="10.5", lost_reason="无放大镜"
    )
    assert score.points == Decimal("10.5")
    svc.score_record(actor=supervisor, round=rnd, indicator="1.2", points=12, lost_reason="x")
    assert rnd.scores.get(indicator="1.2").lost_reason == ""  # nothing lost: no reason kept


@pytest.mark.req("EVAL-2")
def test_recorded_deductions_count_once_each_and_at_most_15(rnd, supervisor):
    """EVAL-2, A24."""
    for sid, second in shipped_standard().second_level().items():
        svc.score_record(actor=supervisor, round=rnd, indicator=sid, points=second.points)
    svc.deduction_record(actor=supervisor, round=rnd, kind="negative_publicity", description="a")
    svc.deduction_record(actor=supervisor, round=rnd, kind="negative_publicity", description="b")
    assert sel.round_breakdown(rnd).total == 95
    svc.deduction_record(actor=supervisor, round=rnd, kind="serious_violation", description="c")
    breakdown = sel.round_breakdown(rnd)
    assert (breakdown.deducted, breakdown.total) == (15, 85)
    with pytest.raises(InvalidInput, match="扣分项“late”无效"):
        svc.deduction_record(actor=supervisor, round=rnd, kind="late", description="d")


@pytest.mark.req("EVAL-5")
def test_hand_offs_are_taken_within_15_minutes_inclusive(rnd, agent, unit_officer):
    """EVAL-5, A25: 15 minutes on the clock, ≤ inclusive; an unsigned one falls short."""
    handed(agent, unit_officer, channel="transfer_in", signed="2026-03-02 10:15")
    late = handed(agent, unit_officer, channel="transfer_in", signed="2026-03-02 10:15:01")
    never = handed(agent, unit_officer, channel="transfer_in", signed=None)
    handed(agent, unit_officer, channel="phone", signed="2026-03-02 18:00")  # not a hand-off
    handed(
        agent,
        unit_officer,
        channel="transfer_in",
        when="2026-07-01 09:00",
        dispatched="2026-07-01 10:00",
        signed="2026-07-01 12:00",
    )  # outside the period
    found = indicators_compute(
        shipped_standard(), centre_id=rnd.centre_id, start=rnd.period_start, end=rnd.period_end
    )["2.4"]
    figure = found.figures[0]
    assert (figure.numerator, figure.denominator) == (1, 3)
    assert figure.tickets == [late.number, never.number]
    assert found.points == Decimal("0.5")  # 2 × 1/3, rounded down to half a point


@pytest.mark.req("EVAL-5")
def test_online_applications_are_taken_within_24_hours_of_submission(rnd, agent, unit_officer):
    handed(agent, unit_officer, channel="web", when="2026-03-02 09:00", signed="2026-03-03 09:00")
    slow = handed(
        agent, unit_officer, channel="wechat", when="2026-03-02 09:00", signed="2026-03-03 09:01"
    )
    found = indicators_compute(
        shipped_standard(), centre_id=rnd.centre_id, start=rnd.period_start, end=rnd.period_end
    )["2.5"]
    assert [(f.numerator, f.denominator, f.tickets) for f in found.figures] == [
        (1, 2, [slow.number])
    ]
    assert found.points == Decimal("1.5")


@pytest.mark.req("EVAL-5")
def test_real_name_bad_reviews_must_all_be_replied_and_callbacks_come_from_events(
    rnd, supervisor, agent, unit_officer
):
    """EVAL-5, QP 6.1.2: every real-name bad review answered; callback satisfaction is read
    from ``ticket.called_back`` events (A19: 满意 + 基本满意 over reached callbacks)."""
    answered = handed(agent, unit_officer, category="complaint")
    tsvc.ticket_reply(
        actor=unit_officer, ticket=answered, content="已处理", now=at("2026-03-03 10:00")
    )
    tsvc.ticket_callback(
        actor=agent, ticket=answered, result="dissatisfied", now=at("2026-03-04 10:00")
    )
    tsvc.ticket_redo(actor=agent, ticket=answered, now=at("2026-03-04 11:00"))
    tsvc.ticket_sign(actor=unit_officer, ticket=answered, now=at("2026-03-04 11:10"))
    tsvc.ticket_reply(
        actor=unit_officer, ticket=answered, content="已重办", now=at("2026-03-05 10:00")
    )
    good = handed(agent, unit_officer)
    tsvc.ticket_reply(actor=unit_officer, ticket=good, content="已办理", now=at("2026-03-03 10:00"))
    tsvc.ticket_callback(actor=agent, ticket=good, result="satisfied", now=at("2026-03-04 10:00"))
    ignored = handed(agent, unit_officer, category="complaint")
    tsvc.ticket_reply(
        actor=unit_officer, ticket=ignored, content="已处理", now=at("2026-03-03 10:00")
    )
    tsvc.ticket_callback(
        actor=agent, ticket=ignored, result="dissatisfied", now=at("2026-03-04 10:00")
    )
    found = indicators_compute(
        shipped_standard(), centre_id=rnd.centre_id, start=rnd.period_start, end=rnd.period_end
    )["6.1"]
    figures = {f.label: f for f in found.figures}
    assert (figures["实名差评回复率"].numerator, figures["实名差评回复率"].denominator) == (1, 2)
    assert figures["实名差评回复率"].tickets == [ignored.number]
    assert (figures["回访满意率"].numerator, figures["回访满意率"].denominator) == (1, 3)
    assert (figures["12345投诉处理率"].numerator, figures["12345投诉处理率"].denominator) == (2, 2)
    assert found.points == Decimal("2")  # 4 × 1/2
    # The evaluator may overrule the computed score, with a reason.
    with pytest.raises(InvalidInput, match="须说明理由"):
        svc.score_record(
            actor=supervisor,
            round=rnd,
            indicator="6.1",
            points=3,
            lost_reason="一件实名差评未回复",
            computed=found.as_json(),
        )
    score = svc.score_record(
        actor=supervisor,
        round=rnd,
        indicator="6.1",
        points=3,
        lost_reason="一件实名差评未回复",
        computed=found.as_json(),
        overrule_reason="该件已电话回复，有录音",
    )
    assert score.computed_points == 2
    assert score.computed["figures"][2]["tickets"] == [ignored.number]


@pytest.mark.req("EVAL-4")
def test_lost_points_become_rectification_items_tracked_to_closure(
    rnd, supervisor, unit_admin, outsider
):
    """EVAL-4, QP 三(三): owner, measure and a deadline on working days; the centre reports it
    fixed, the evaluator verifies and closes; reminders once a day."""
    with pytest.raises(DomainError, match="没有失分"):
        svc.rectification_open(
            actor=supervisor, round=rnd, indicator="1.2", measure="m", owner_name="主任"
        )
    svc.score_record(
        actor=supervisor, round=rnd, indicator="1.2", points=10, lost_reason="卫生间无洗手液"
    )
    item = svc.rectification_open(
        actor=supervisor,
        round=rnd,
        indicator="1.2",
        measure="补齐洗手液",
        owner_name="主任",
        working_days=3,
        now=at("2026-09-29 10:00"),
    )
    assert item.deadline == date(2026, 10, 9)  # 30 Sep, then 8 and 9 Oct after the holiday
    assert (item.points_lost, item.problem) == (2, "卫生间无洗手液")
    assert OutboxMessage.objects.filter(topic="evaluation.rectification.opened").exists()
    assert svc.rectification_remind(now=at("2026-10-07 08:30")) == 0  # next working day 10-08
    assert svc.rectification_remind(now=at("2026-10-08 08:30")) == 1
    assert svc.rectification_remind(now=at("2026-10-08 12:00")) == 0  # once a day
    assert svc.rectification_remind(now=at("2026-10-12 08:30")) == 1  # overdue
    assert OutboxMessage.objects.filter(topic="evaluation.rectification.overdue").exists()
    with pytest.raises(NotFound):
        sel.rectification_get_for_user(outsider, item.pk)
    mine = sel.rectification_get_for_user(unit_admin, item.pk)
    svc.rectification_done(actor=unit_admin, item=mine, note="已补齐")
    with pytest.raises(PermissionDenied):
        svc.rectification_close(actor=unit_admin, item=mine, note="x")
    svc.rectification_close(actor=supervisor, item=mine, note="复查到位")
    mine.refresh_from_db()
    assert mine.state == Rectification.State.CLOSED
    assert svc.rectification_remind(now=at("2026-10-13 08:30")) == 0
    # The next round shows what was fixed.
    later = svc.round_create(
        actor=supervisor, centre=rnd.centre, year=2027, standard="QP-EVAL-2022"
    )
    view = sel.round_view(later)
    assert view.previous == rnd
    assert [(i.indicator, i.state) for i in view.previous_items] == [("1.2", "closed")]


def test_evidence_files_are_checked_like_attachments(rnd, supervisor):
    photo = svc.evidence_add(
        actor=supervisor,
        round=rnd,
        indicator="1.2",
        clause="1.2.7",
        upload=SimpleUploadedFile("洗手间.png", PNG),
    )
    assert (photo.kind, photo.content_type) == (Evidence.Kind.PHOTO, "image/png")
    with pytest.raises(InvalidInput, match="文件内容与扩展名不符"):
        svc.evidence_add(
            actor=supervisor,
            round=rnd,
            indicator="1.2",
            upload=SimpleUploadedFile("x.png", b"MZ\x90\x00not a png"),
        )
    with pytest.raises(InvalidInput, match="不支持的文件类型"):
        svc.evidence_add(
            actor=supervisor, round=rnd, indicator="1.2", upload=SimpleUploadedFile("x.exe", b"MZ")
        )
    with pytest.raises(InvalidInput, match=r"1\.1\.1 不是指标 1\.2 的条款"):
        svc.evidence_add(actor=supervisor, round=rnd, indicator="1.2", clause="1.1.1", note="n")
    note = svc.evidence_add(
        actor=supervisor, round=rnd, indicator="2.4", clause="2.4", note="电话通知有记录"
    )
    assert note.kind == Evidence.Kind.NOTE


def test_rounds_are_visible_to_evaluators_and_the_centre_only(
    rnd, supervisor, unit_admin, outsider
):
    assert sel.round_get_for_user(supervisor, rnd.pk) == rnd
    assert sel.round_get_for_user(unit_admin, rnd.pk) == rnd
    with pytest.raises(NotFound):
        sel.round_get_for_user(outsider, rnd.pk)


@pytest.mark.req("EVAL-1")
def test_a_later_years_standard_is_loaded_and_validated(supervisor):
    from hotline.evaluation.standard import SHIPPED_DIR

    text = (SHIPPED_DIR / "QP-EVAL-2022.yaml").read_text(encoding="utf-8")
    later = text.replace("id: QP-EVAL-2022", "id: QP-EVAL-2023", 1)
    row = svc.standard_load(actor=supervisor, text=later, name="2023.yaml")
    assert (row.code, row.year) == ("QP-EVAL-2023", 2023)
    assert [s[0] for s in svc.standards_available()][:2] == ["QP-EVAL-2023", "QP-EVAL-2022"]
    broken = later.replace("points: 11\n", "points: 12\n", 1)  # 5.1 safety: 11 → 12
    with pytest.raises(InvalidInput, match=r"^5: second-level points add up to 24") as exc:
        svc.standard_load(actor=supervisor, text=broken)
    assert exc.value.extra == {"where": "5"}
    with pytest.raises(DomainError, match="随平台发布"):
        svc.standard_load(actor=supervisor, text=text)
