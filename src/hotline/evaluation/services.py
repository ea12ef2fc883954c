"""Evaluation actions: one transaction each; refusals raise ``DomainError`` (EVAL-1…5).

Permission ``evaluation.manage`` (the district's supervisors and centre administrators) runs
rounds, scores and verifies; staff of the evaluated centre report rectification items done.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from hotline.core.audit import audit_record
from hotline.core.edge import file_name_clean, file_name_shorten, upload_name
from hotline.core.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from hotline.directory.models import Unit
from hotline.evaluation.models import (
    Deduction,
    Evidence,
    Rectification,
    Round,
    Score,
    Stage,
    StandardVersion,
)
from hotline.evaluation.standard import (
    Standard,
    StandardError,
    score_check,
    shipped_standard,
    shipped_standards,
    standard_load_text,
)
from hotline.notifications.services import outbox_put
from hotline.policy.calendar import WorkCalendar
from hotline.policy.services import calendar_current
from hotline.tickets.attachments import ALLOWED, MAX_BYTES

#: Evidence files: the ticket attachments' rules (size, extension, leading bytes).
PHOTO_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".gif"})


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _require(actor: Any, permission: str = "evaluation.manage") -> None:
    if actor is None or not actor.can(permission):
        raise PermissionDenied("您没有评估管理权限。")


def _invalid(exc: StandardError) -> InvalidInput:
    return InvalidInput(str(exc), extra={"where": exc.where} if exc.where else None)


# --- standards -------------------------------------------------------------------------------


def standard_get(code: str) -> Standard:
    """Return the standard ``code``: a shipped one, or one a centre loaded (EVAL-1)."""
    if code in shipped_standards():
        return shipped_standard(code)
    row = StandardVersion.objects.filter(code=code).first()
    if row is None:
        raise StandardError(f"unknown standard {code!r}", where="standard")
    return standard_load_text(row.text, name=code)


def standards_available() -> list[tuple[str, str, int]]:
    """Return (id, title, year) of every usable standard, newest year first."""
    found = {s.id: (s.id, s.title, s.year) for s in map(shipped_standard, shipped_standards())}
    for row in StandardVersion.objects.all():
        found.setdefault(row.code, (row.code, row.title, row.year))
    return sorted(found.values(), key=lambda s: (-s[2], s[0]))


def standard_load(*, actor: Any, text: str, name: str = "") -> StandardVersion:
    """Validate and store a later year's standard; errors name the clause (EVAL-1)."""
    if actor is not None:
        _require(actor)
    try:
        standard = standard_load_text(text, name=name)
    except StandardError as exc:
        raise _invalid(exc) from None
    if standard.id in shipped_standards():
        raise DomainError(
            f"{standard.id} 随平台发布，不能覆盖。", code="standard_shipped", status=409
        )
    with transaction.atomic():
        row, _created = StandardVersion.objects.update_or_create(
            code=standard.id,
            defaults={
                "title": standard.title,
                "year": standard.year,
                "text": text,
                "loaded_by": actor,
                "loaded_at": timezone.now(),
            },
        )
        audit_record(actor=actor, action="evaluation.standard.load", obj=row)
    return row


# --- rounds and stages -----------------------------------------------------------------------


def _last_working_on_or_before(cal: WorkCalendar, day: date) -> date:
    return day if cal.is_working_day(day) else cal.previous_working_day(day)


def _month_end(year: int, month: int) -> date:
    return (date(year + month // 12, month % 12 + 1, 1)) - timedelta(days=1)


def stage_due(
    due_text: str, *, year: int, formal_on: date | None, cal: WorkCalendar
) -> tuple[date | None, str]:
    """Return a stage's due date and its basis from the standard's wording (EVAL-3).

    "N月底前" is the last working day of month N; "正式评估前N周" is N weeks before the formal
    evaluation, moved back to a working day; anything else (the formal evaluation itself, "另行
    通知") is the formal date once known.
    """
    found = re.search(r"(\d{1,2})月底前", due_text)
    if found:
        month = int(found.group(1))
        return _last_working_on_or_before(cal, _month_end(year, month)), due_text
    found = re.search(r"前(\d+)周", due_text)
    if found:
        if formal_on is None:
            return None, due_text
        day = formal_on - timedelta(weeks=int(found.group(1)))
        return _last_working_on_or_before(cal, day), due_text
    return formal_on, due_text


def round_create(
    *,
    actor: Any,
    centre: Unit,
    year: int,
    standard: str,
    period_start: date | None = None,
    period_end: date | None = None,
    formal_on: date | None = None,
    now: datetime | None = None,
) -> Round:
    """Open a round for ``centre`` and ``year`` with the standard's stages and due dates."""
    _require(actor)
    try:
        std = standard_get(standard)
    except StandardError as exc:
        raise _invalid(exc) from None
    if not 2000 <= year <= 2100:
        raise InvalidInput("年份无效。")
    start = period_start or date(year - 1, 1, 1)
    end = period_end or date(year - 1, 12, 31)
    if end < start:
        raise InvalidInput("统计期间的结束日期早于开始日期。")
    if formal_on is not None and formal_on.year != year:
        raise InvalidInput("正式评估日期应在评估年度内。")
    cal = calendar_current()
    try:
        with transaction.atomic():
            rnd = Round.objects.create(
                standard=std.id,
                centre=centre,
                year=year,
                period_start=start,
                period_end=end,
                formal_on=formal_on,
                created_by=actor,
                created_at=_now(now),
            )
            for step in std.steps:
                due, basis = stage_due(step.due, year=year, formal_on=formal_on, cal=cal)
                Stage.objects.create(
                    round=rnd,
                    step=step.step,
                    name=step.name,
                    due_on=due,
                    due_basis=basis,
                    owner_name=step.actor[:200],
                )
            audit_record(actor=actor, action="evaluation.round.create", obj=rnd)
    except IntegrityError:
        raise DomainError(
            f"{centre.name}{year}年的评估已存在。", code="round_exists", status=409
        ) from None
    return rnd


def round_set_formal_date(*, actor: Any, round: Round, formal_on: date) -> Round:
    """Set the formal evaluation's date (notified by the city); the mock moves with it."""
    _require(actor)
    if formal_on.year != round.year:
        raise InvalidInput("正式评估日期应在评估年度内。")
    std = standard_get(round.standard)
    cal = calendar_current()
    with transaction.atomic():
        round.formal_on = formal_on
        round.save(update_fields=["formal_on"])
        for stage in round.stages.select_for_update():
            step = std.steps[stage.step - 1] if stage.step <= len(std.steps) else None
            if step is None:
                continue
            due, _basis = stage_due(step.due, year=round.year, formal_on=formal_on, cal=cal)
            if due != stage.due_on:
                stage.due_on = due
                stage.save(update_fields=["due_on"])
    return round


def stage_update(
    *,
    actor: Any,
    stage: Stage,
    owner: Any = None,
    owner_name: str | None = None,
    done: bool = False,
    note: str = "",
    now: datetime | None = None,
) -> Stage:
    """Assign a stage's owner, or mark it done (stages are done in order, EVAL-3)."""
    _require(actor)
    with transaction.atomic():
        stage = Stage.objects.select_for_update().get(pk=stage.pk)
        if owner is not None:
            stage.owner = owner
            stage.owner_name = owner_name or getattr(owner, "full_name", "") or str(owner)
        elif owner_name:
            stage.owner_name = owner_name.strip()[:200]
        if note:
            stage.note = note.strip()
        if done:
            if stage.done_at is not None:
                raise DomainError("该阶段已完成。", code="stage_done", status=409)
            earlier = stage.round.stages.filter(step__lt=stage.step, done_at__isnull=True)
            if earlier.exists():
                first = earlier.order_by("step").first()
                raise DomainError(
                    f"请先完成“{first.name if first else ''}”阶段。",
                    code="stage_order",
                    status=409,
                )
            stage.done_at = _now(now)
            stage.done_by = actor
        stage.save()
    return stage


def _open(round: Round) -> None:
    if round.state != Round.State.OPEN:
        raise DomainError("该轮评估已结束。", code="round_finished", status=409)


# --- scores, evidence, deductions ------------------------------------------------------------


def score_record(
    *,
    actor: Any,
    round: Round,
    indicator: str,
    points: Any,
    lost_reason: str = "",
    computed: dict[str, Any] | None = None,
    overrule_reason: str = "",
    now: datetime | None = None,
) -> Score:
    """Score a second-level indicator (A23): 0…its points in 0.5 steps, a reason for every
    point lost, and for a computed indicator (EVAL-5) a reason when the evaluator departs from
    the computed score."""
    _require(actor)
    _open(round)
    std = standard_get(round.standard)
    try:
        value = score_check(std, indicator, points)
    except StandardError as exc:
        raise _invalid(exc) from None
    target = std.second_level()[indicator]
    lost_reason = (lost_reason or "").strip()
    if value < target.points and not lost_reason:
        raise InvalidInput(
            f"{indicator} {target.name}：扣了{target.points - value:g}分，请写明失分原因。",
            extra={"where": indicator},
        )
    computed_points: Decimal | None = None
    overrule_reason = (overrule_reason or "").strip()
    if computed and computed.get("points") is not None:
        computed_points = Decimal(str(computed["points"]))
        if value != computed_points and not overrule_reason:
            raise InvalidInput(
                f"{indicator}：系统根据平台数据计算为{computed_points:g}分，"
                "评估人员改为其他分值时须说明理由。",
                extra={"where": indicator},
            )
    if computed_points is None or value == computed_points:
        overrule_reason = ""
    with transaction.atomic():
        score, _created = Score.objects.update_or_create(
            round=round,
            indicator=indicator,
            defaults={
                "points": value,
                "lost_reason": lost_reason if value < target.points else "",
                "computed_points": computed_points,
                "computed": computed or {},
                "overrule_reason": overrule_reason,
                "scored_by": actor,
                "scored_at": _now(now),
            },
        )
    return score


def _clause_check(std: Standard, indicator: str, clause: str) -> None:
    target = std.second_level().get(indicator)
    if target is None:
        raise InvalidInput(f"{indicator} 不是本标准的二级指标。", extra={"where": indicator})
    if clause and clause not in {c.id for c in target.clauses}:
        raise InvalidInput(f"{clause} 不是指标 {indicator} 的条款。", extra={"where": clause})


def evidence_add(
    *,
    actor: Any,
    round: Round,
    indicator: str,
    clause: str = "",
    note: str = "",
    upload: UploadedFile[Any] | None = None,
    now: datetime | None = None,
) -> Evidence:
    """File a note, photo or document with a clause or indicator; files are checked like
    every ticket attachment (size, extension, leading bytes)."""
    _require(actor)
    _open(round)
    _clause_check(standard_get(round.standard), indicator, clause)
    note = (note or "").strip()
    if upload is None and not note:
        raise InvalidInput("请填写说明或选择文件。")
    evidence = Evidence(
        round=round,
        indicator=indicator,
        clause=clause,
        note=note,
        kind=Evidence.Kind.NOTE,
        added_by=actor,
        added_at=_now(now),
    )
    if upload is not None:
        if not (upload.name or "").strip():
            raise InvalidInput("请选择要上传的文件。")
        clean = file_name_clean(upload.name or "")
        name = file_name_shorten(clean, max_chars=200)
        size = upload.size or 0
        if size == 0:
            raise InvalidInput("文件为空。")
        if size > MAX_BYTES:
            raise InvalidInput(f"文件过大（{size // 1024} KB），单个附件不能超过 10 MB。")
        suffix = PurePath(name).suffix.lower()
        allowed = ALLOWED.get(suffix)
        if allowed is None:
            raise InvalidInput(
                f"不支持的文件类型“{suffix or name}”，可上传：{'、'.join(sorted(ALLOWED))}。"
            )
        content_type, magic = allowed
        head = upload.read(16)
        upload.seek(0)
        if magic is not None and not head.startswith(magic):
            raise InvalidInput("文件内容与扩展名不符，请检查后重新上传。")
        evidence.kind = Evidence.Kind.PHOTO if suffix in PHOTO_SUFFIXES else Evidence.Kind.DOCUMENT
        evidence.name = name
        evidence.content_type = content_type
        evidence.size = size
        with transaction.atomic():
            evidence.file.save(upload_name(clean), upload, save=False)
            evidence.save()
        return evidence
    with transaction.atomic():
        evidence.save()
    return evidence


def deduction_record(
    *, actor: Any, round: Round, kind: str, description: str, now: datetime | None = None
) -> Deduction:
    """Record an occurrence of a deduction item (EVAL-2); repeats deduct once (A24)."""
    _require(actor)
    _open(round)
    std = standard_get(round.standard)
    if kind not in std.deduction_kinds():
        raise InvalidInput(
            f"扣分项“{kind}”无效，应为："
            + "、".join(f"{d.kind}（{d.id} {d.name}）" for d in std.deductions)
        )
    description = (description or "").strip()
    if not description:
        raise InvalidInput("请说明扣分事由。")
    with transaction.atomic():
        return Deduction.objects.create(
            round=round,
            kind=kind,
            description=description,
            recorded_by=actor,
            recorded_at=_now(now),
        )


def deduction_remove(*, actor: Any, deduction: Deduction) -> None:
    _require(actor)
    _open(deduction.round)
    with transaction.atomic():
        deduction.delete()


def round_finish(*, actor: Any, round: Round) -> Round:
    """Finish the round: every indicator scored and the formal evaluation done."""
    _require(actor)
    _open(round)
    std = standard_get(round.standard)
    missing = sorted(
        set(std.second_level()) - set(round.scores.values_list("indicator", flat=True))
    )
    if missing:
        raise DomainError(f"尚有指标未评分：{'、'.join(missing)}。", code="not_scored", status=409)
    if round.stages.filter(done_at__isnull=True).exists():
        raise DomainError("尚有评估阶段未完成。", code="stages_open", status=409)
    with transaction.atomic():
        round.state = Round.State.FINISHED
        round.save(update_fields=["state"])
        audit_record(actor=actor, action="evaluation.round.finish", obj=round)
    return round


# --- rectification ---------------------------------------------------------------------------


def rectification_open(
    *,
    actor: Any,
    round: Round,
    indicator: str,
    measure: str,
    owner_name: str,
    deadline: date | None = None,
    working_days: int | None = None,
    track: str = Rectification.Track.PLANNED,
    problem: str = "",
    owner: Any = None,
    now: datetime | None = None,
) -> Rectification:
    """Turn the points lost on ``indicator`` into a rectification item (EVAL-4).

    The deadline is a date, or ``working_days`` after today on the working-day calendar; a
    date on a rest day moves to the next working day.
    """
    _require(actor)
    score = round.scores.filter(indicator=indicator).first()
    std = standard_get(round.standard)
    target = std.second_level().get(indicator)
    if target is None:
        raise InvalidInput(f"{indicator} 不是本标准的二级指标。", extra={"where": indicator})
    if score is None or score.points >= target.points:
        raise DomainError(f"{indicator} 没有失分，无需整改。", code="no_points_lost", status=409)
    if track not in Rectification.Track.values:
        raise InvalidInput("整改方式无效。")
    measure = (measure or "").strip()
    owner_name = (owner_name or getattr(owner, "full_name", "") or "").strip()
    if not measure or not owner_name:
        raise InvalidInput("请填写整改措施和责任人。")
    cal = calendar_current()
    today = timezone.localdate(_now(now))
    if deadline is None:
        if working_days is None:
            working_days = 1 if track == Rectification.Track.IMMEDIATE else 10
        if not 0 < working_days <= 250:
            raise InvalidInput("整改期限应为1至250个工作日。")
        deadline = cal.add_working_days(today, working_days)
    else:
        if deadline < today:
            raise InvalidInput("整改期限不能早于今天。")
        deadline = cal.working_day_on_or_after(deadline)
    with transaction.atomic():
        item = Rectification.objects.create(
            round=round,
            indicator=indicator,
            points_lost=target.points - score.points,
            problem=(problem or score.lost_reason).strip() or target.name,
            measure=measure,
            track=track,
            owner_name=owner_name[:100],
            owner=owner,
            deadline=deadline,
            created_by=actor,
            created_at=_now(now),
        )
        outbox_put(
            topic="evaluation.rectification.opened",
            title=f"整改事项：{indicator} {target.name}，期限{deadline:%Y-%m-%d}",
            body=f"问题：{item.problem}\n措施：{measure}\n责任人：{item.owner_name}",
            unit=round.centre,
            payload={"rectification": item.pk, "round": round.pk},
            at=_now(now),
        )
    return item


def _may_report(actor: Any, item: Rectification) -> bool:
    if actor is None:
        return False
    if actor.can("evaluation.manage"):
        return True
    return bool(actor.unit_id and actor.unit_id == item.round.centre_id)


def rectification_done(
    *, actor: Any, item: Rectification, note: str, now: datetime | None = None
) -> Rectification:
    """The centre reports the measure carried out."""
    if not _may_report(actor, item):
        raise NotFound()
    note = (note or "").strip()
    if not note:
        raise InvalidInput("请说明整改情况。")
    with transaction.atomic():
        item = Rectification.objects.select_for_update().get(pk=item.pk)
        if item.state != Rectification.State.OPEN:
            raise DomainError("该整改事项已报告完成。", code="not_open", status=409)
        item.state = Rectification.State.DONE
        item.done_at = _now(now)
        item.done_note = note
        item.save(update_fields=["state", "done_at", "done_note"])
    return item


def rectification_close(
    *, actor: Any, item: Rectification, note: str, now: datetime | None = None
) -> Rectification:
    """The evaluator verifies the fix and closes the item."""
    _require(actor)
    note = (note or "").strip()
    if not note:
        raise InvalidInput("请填写核实情况。")
    with transaction.atomic():
        item = Rectification.objects.select_for_update().get(pk=item.pk)
        if item.state == Rectification.State.CLOSED:
            raise DomainError("该整改事项已关闭。", code="closed", status=409)
        item.state = Rectification.State.CLOSED
        item.closed_at = _now(now)
        item.closed_by = actor
        item.closing_note = note
        item.save(update_fields=["state", "closed_at", "closed_by", "closing_note"])
    return item


def rectification_remind(*, now: datetime | None = None) -> int:
    """Remind owners of items due by the next working day, and the supervisors of overdue
    ones; once a day per item. Return how many reminders went out (EVAL-4)."""
    at = _now(now)
    today = timezone.localdate(at)
    cal = calendar_current()
    horizon = cal.next_working_day(today)
    sent = 0
    items = (
        Rectification.objects.exclude(state=Rectification.State.CLOSED)
        .filter(deadline__lte=horizon)
        .exclude(reminded_on=today)
        .select_related("round__centre")
    )
    for item in items:
        with transaction.atomic():
            claimed = (
                Rectification.objects.filter(pk=item.pk)
                .exclude(reminded_on=today)
                .update(reminded_on=today)
            )
            if claimed != 1:
                continue
            overdue = item.deadline < today
            title = (
                f"整改事项已逾期：{item.indicator}（期限{item.deadline:%Y-%m-%d}）"
                if overdue
                else f"整改事项即将到期：{item.indicator}（期限{item.deadline:%Y-%m-%d}）"
            )
            outbox_put(
                topic="evaluation.rectification.due",
                title=title,
                body=f"{item.problem}\n措施：{item.measure}\n责任人：{item.owner_name}",
                unit=item.round.centre,
                payload={"rectification": item.pk, "overdue": overdue},
                at=at,
            )
            if overdue:
                outbox_put(
                    topic="evaluation.rectification.overdue",
                    title=f"{item.round.centre.name}{title}",
                    body=item.problem,
                    unit=None,
                    payload={"rectification": item.pk},
                    at=at,
                )
            sent += 1
    return sent
