"""Demo evaluation: two sub-district centres scored against the 2022 standard.

东门街道 (DMJD) has last year's round, finished, with its rectification closed, and this year's
round scored in full with lost points explained, a deduction and rectification under way.
南浦街道 (NPJD) has this year's round part scored. Everything goes through the services with
the demo's clock; the computed indicators come from the demo tickets.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils import timezone

from hotline.accounts.models import User
from hotline.directory.models import Unit
from hotline.evaluation import services as svc
from hotline.evaluation.indicators import indicators_compute
from hotline.evaluation.models import Round
from hotline.evaluation.standard import DEFAULT_STANDARD, shipped_standard

if TYPE_CHECKING:
    from hotline.core.demo import DemoOptions

#: Points lost in the demo, with the reason, per centre.
LOST = {
    "DMJD": {
        "1.2": (Decimal("1.5"), "1.2.7 盥洗设施：女卫生间未提供消毒洗手液；1.2.8 放大镜缺失。"),
        "3.2": (Decimal("1"), "3.2.4 工作纪律：检查时2号窗口人员离岗未放置暂停标识。"),
        "5.3": (Decimal("0.5"), "5.3.1 档案室：温湿度记录缺10月最后一周。"),
    },
    "NPJD": {
        "1.1": (Decimal("0.5"), "1.1.2 大厅内未见“一网通办”宣传资料。"),
        "4.2": (Decimal("1"), "4.2.1 培训结束后未对培训效果进行评价。"),
    },
}


def _score_all(
    rnd: Round, actor: User, lost: dict[str, tuple[Decimal, str]], *, upto: int, now: datetime
) -> None:
    std = shipped_standard(rnd.standard)
    computed = indicators_compute(
        std, centre_id=rnd.centre_id, start=rnd.period_start, end=rnd.period_end
    )
    for n, (sid, second) in enumerate(std.second_level().items()):
        if n >= upto:
            break
        found = computed.get(sid)
        if found is not None and found.points is not None:
            points = found.points
            reason = "" if points == second.points else "平台数据：部分工单未达要求，见计算依据。"
        else:
            minus, reason = lost.get(sid, (Decimal(0), ""))
            points = second.points - minus
        svc.score_record(
            actor=actor,
            round=rnd,
            indicator=sid,
            points=points,
            lost_reason=reason,
            computed=found.as_json() if found else None,
            now=now,
        )


def evaluation_demo_load(*, now: datetime | None = None) -> int:
    """Create the demo rounds unless they exist; return how many rounds there are."""
    now = now or timezone.now()
    actor = User.objects.filter(username="supervisor").first()
    centres = {u.code: u for u in Unit.objects.filter(code__in=["DMJD", "NPJD"])}
    if (
        actor is None
        or len(centres) < 2
        or Round.objects.filter(centre__in=centres.values()).exists()
    ):
        return Round.objects.count()
    year = timezone.localdate(now).year
    today = timezone.localdate(now)
    period_start = today - timedelta(days=90)
    # Last year's round of 东门街道: finished, its one rectification item closed.
    last = svc.round_create(
        actor=actor,
        centre=centres["DMJD"],
        year=year - 1,
        standard=DEFAULT_STANDARD,
        period_start=date(year - 2, 1, 1),
        period_end=date(year - 2, 12, 31),
        formal_on=date(year - 1, 6, 15),
        now=now - timedelta(days=365),
    )
    earlier = now - timedelta(days=330)
    _score_all(
        last,
        actor,
        {"1.2": (Decimal("2"), "1.2.1 大厅内张贴商业广告；1.2.7 卫生纸缺失。")},
        upto=99,
        now=earlier,
    )
    item = svc.rectification_open(
        actor=actor,
        round=last,
        indicator="1.2",
        measure="撤除商业广告，建立盥洗设施每日巡查记录。",
        owner_name="东门街道受理中心主任",
        working_days=10,
        now=earlier,
    )
    svc.rectification_done(
        actor=actor, item=item, note="广告已撤除，巡查表已上墙。", now=earlier + timedelta(days=7)
    )
    svc.rectification_close(
        actor=actor, item=item, note="现场复查：已整改到位。", now=earlier + timedelta(days=9)
    )
    for stage in last.stages.all():
        svc.stage_update(actor=actor, stage=stage, done=True, now=earlier)
    svc.round_finish(actor=actor, round=last)

    formal = date(year, 12, 15) if today < date(year, 12, 1) else today + timedelta(days=14)
    for code, upto in (("DMJD", 99), ("NPJD", 12)):
        rnd = svc.round_create(
            actor=actor,
            centre=centres[code],
            year=year,
            standard=DEFAULT_STANDARD,
            period_start=period_start,
            period_end=today,
            formal_on=formal if formal.year == year else None,
            now=now - timedelta(days=2),
        )
        for stage in rnd.stages.filter(step__lte=3):
            svc.stage_update(
                actor=actor, stage=stage, done=True, note="已完成", now=now - timedelta(days=1)
            )
        _score_all(rnd, actor, LOST[code], upto=upto, now=now - timedelta(hours=3))
        if code == "DMJD":
            svc.evidence_add(
                actor=actor,
                round=rnd,
                indicator="3.2",
                clause="3.2.4",
                note="上午10:20检查，2号窗口无人且无暂停标识，约8分钟后返回。",
                now=now - timedelta(hours=3),
            )
            svc.deduction_record(
                actor=actor,
                round=rnd,
                kind="negative_publicity",
                description="本地论坛帖子反映窗口人员态度生硬，经核实处置不当。",
                now=now - timedelta(hours=2),
            )
            svc.rectification_open(
                actor=actor,
                round=rnd,
                indicator="1.2",
                measure="补齐消毒洗手液和放大镜，纳入每日开门前检查表。",
                owner_name="东门街道受理中心主任",
                track="immediate",
                now=now - timedelta(hours=1),
            )
            svc.rectification_open(
                actor=actor,
                round=rnd,
                indicator="3.2",
                measure="修订窗口离岗制度，配发暂停标识牌，开展工作纪律培训。",
                owner_name="东门街道受理中心副主任",
                working_days=10,
                now=now - timedelta(hours=1),
            )
    return Round.objects.count()


def evaluation_demo(options: DemoOptions) -> list[str]:
    """The evaluation's demo loader (``EvaluationConfig.demo_loader``)."""
    return [f"Evaluation rounds: {evaluation_demo_load(now=options.now)}."]
