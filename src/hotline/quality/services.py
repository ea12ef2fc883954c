"""Centre-quality actions, one transaction each.

- ``sample_draw`` (STATS-5): a reproducible, seeded monthly sample of each agent's tickets.
- ``review_score`` (STATS-5): an inspector or supervisor scores a sampled ticket on the
  checklist.
- ``flag_raise`` / ``flag_decide`` / ``appeal_file`` / ``appeal_decide`` / ``flag_rule_set``
  (INTAKE-7): malicious-caller flags. A flag never blocks registering a ticket: nothing in
  ``tickets`` reads it; the workstation only shows the centre's warning script.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from hotline.citizens.phones import InvalidPhone, phone_normalise, phone_normalise_or_none
from hotline.core.audit import audit_record
from hotline.core.errors import Conflict, InvalidInput, PermissionDenied
from hotline.quality.models import (
    ITEM_MAX,
    AppealState,
    CallerFlag,
    FlagAppeal,
    FlagReason,
    FlagRule,
    FlagState,
    Item,
    Review,
    SampledTicket,
)
from hotline.tickets.access import ticket_get_for_user
from hotline.tickets.models import Ticket

#: Tickets drawn per agent and month unless told otherwise.
PER_AGENT_DEFAULT = 5
#: Who may score (STATS-5): quality inspectors and supervisors.
SCORE_PERMS = ("ticket.inspect", "ticket.supervise")
#: Who may flag a number (INTAKE-7): the centre's front line and those above it.
FLAG_PERMS = ("ticket.register", "ticket.callback", "ticket.review", "ticket.inspect")
MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _required(text: str, message: str) -> str:
    if not text or not text.strip():
        raise InvalidInput(message)
    return text.strip()


def month_parse(text: str) -> date:
    """Return the first day of ``YYYY-MM``; ``InvalidInput`` for anything else."""
    found = MONTH_RE.match((text or "").strip())
    if found is None or not 1 <= int(found.group(2)) <= 12 or int(found.group(1)) < 2000:
        raise InvalidInput(f"月份“{(text or '')[:20]}”无效，应为 2026-10 这样的格式。")
    return date(int(found.group(1)), int(found.group(2)), 1)


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """Return the month's first instant and the next month's, in the centre's time zone."""
    nxt = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    tz = timezone.get_current_timezone()
    return (
        datetime.combine(month, time.min).replace(tzinfo=tz),
        datetime.combine(nxt, time.min).replace(tzinfo=tz),
    )


def default_seed(month: date) -> int:
    """The seed of a month drawn without one: ``YYYYMM``, so a rerun draws the same tickets."""
    return month.year * 100 + month.month


def can_score(user: Any) -> bool:
    return any(user.can(p) for p in SCORE_PERMS)


# ----------------------------------------------------------------------------- sample


@dataclass(frozen=True)
class AgentSample:
    agent: str
    sampled: int
    registered: int


@dataclass(frozen=True)
class SampleResult:
    month: date
    seed: int
    agents: list[AgentSample]


def sample_draw(
    *,
    month: date,
    per_agent: int = PER_AGENT_DEFAULT,
    seed: int | None = None,
    now: datetime | None = None,
) -> SampleResult:
    """Draw ``per_agent`` tickets of each agent registered in ``month`` (STATS-5).

    The agent of a ticket is the staff user who registered it (the desk registers and answers
    in one step). Each agent's tickets are ordered by registration and drawn with
    ``random.Random(f"{seed}:{username}")``, so the same seed gives the same sample on any run.
    A month is drawn with one seed: an agent already drawn keeps their sample; a rerun adds
    agents not drawn yet; another seed for a drawn month is refused (409 ``sample_seed``).
    """
    if per_agent < 1 or per_agent > 100:
        raise InvalidInput("每名话务员的抽样数应在 1 到 100 之间。")
    existing = SampledTicket.objects.filter(month=month)
    stored = existing.values_list("seed", flat=True).first()
    if seed is None:
        seed = stored if stored is not None else default_seed(month)
    elif stored is not None and stored != seed:
        raise Conflict(
            f"{month:%Y-%m} 已按种子 {stored} 抽样，不能换种子重抽。", code="sample_seed"
        )
    start, end = month_bounds(month)
    at = _now(now)
    tickets = (
        Ticket.objects.filter(
            registered_at__gte=start,
            registered_at__lt=end,
            registered_by__isnull=False,
            registered_by__role_rows__role="agent",
        )
        .select_related("registered_by")
        .order_by("registered_at", "id")
        .distinct()
    )
    by_agent: dict[str, tuple[Any, list[Ticket]]] = {}
    for ticket in tickets:
        agent = ticket.registered_by
        if agent is not None:
            by_agent.setdefault(agent.username, (agent, []))[1].append(ticket)
    drawn = set(existing.values_list("agent_id", flat=True))
    rows: list[AgentSample] = []
    with transaction.atomic():
        for username in sorted(by_agent):
            agent, own = by_agent[username]
            if agent.pk not in drawn:
                rng = random.Random(f"{seed}:{username}")  # noqa: S311 (sampling, not security)
                picked = rng.sample(own, min(per_agent, len(own)))
                SampledTicket.objects.bulk_create(
                    SampledTicket(month=month, agent=agent, ticket=t, seed=seed, drawn_at=at)
                    for t in sorted(picked, key=lambda t: (t.registered_at, t.pk))
                )
            count = SampledTicket.objects.filter(month=month, agent=agent).count()
            rows.append(AgentSample(username, count, len(own)))
    return SampleResult(month=month, seed=seed, agents=rows)


# ----------------------------------------------------------------------------- reviews


def review_score(
    *,
    actor: Any,
    sample: SampledTicket,
    scores: dict[str, int],
    notes: dict[str, str] | None = None,
    note: str = "",
    now: datetime | None = None,
) -> Review:
    """Score one sampled ticket on the checklist (STATS-5); 409 when it is already scored.

    Every item needs a score from 0 to ``ITEM_MAX``; nothing is assumed for a missing one.
    """
    if not can_score(actor):
        raise PermissionDenied("只有质检员或督办人员可以评分。")
    if sample.agent_id == actor.pk:
        raise PermissionDenied("不能给自己受理的工单评分。")
    missing = [i for i in Item.values if i not in scores]
    unknown = sorted(set(scores) - set(Item.values))
    if missing or unknown:
        raise InvalidInput(
            f"请为每一项评分：{'、'.join(Item.values)}。"
            + (f"未知项：{'、'.join(unknown)}。" if unknown else "")
        )
    for item, value in scores.items():
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= ITEM_MAX:
            raise InvalidInput(f"“{item}”的得分应为 0 到 {ITEM_MAX} 的整数。")
    clean_notes = {k: v.strip() for k, v in (notes or {}).items() if v and v.strip()}
    if set(clean_notes) - set(Item.values):
        raise InvalidInput("备注只能对应评分项。")
    at = _now(now)
    try:
        with transaction.atomic():
            locked = SampledTicket.objects.select_for_update().get(pk=sample.pk)
            if Review.objects.filter(sample=locked).exists():
                raise Conflict("该工单已评分。", code="already_scored")
            return Review.objects.create(
                sample=locked,
                inspector=actor,
                notes=clean_notes,
                note=note.strip(),
                reviewed_at=at,
                **{item: scores[item] for item in Item.values},
            )
    except IntegrityError:
        raise Conflict("该工单已评分。", code="already_scored") from None


# ----------------------------------------------------------------------------- flags


def flag_rule() -> FlagRule:
    """Return the centre's rule for flagged numbers (created with the defaults on first use)."""
    rule, _ = FlagRule.objects.get_or_create(pk=1)
    return rule


def flag_rule_set(
    *, actor: Any, script: str, validity_days: int, now: datetime | None = None
) -> FlagRule:
    """The centre administrator sets the warning script and the validity period."""
    if not actor.can("policy.manage"):
        raise PermissionDenied("只有中心管理员可以设置恶意来电的处置规则。")
    text = _required(script, "请填写提示话术。")
    if not 1 <= validity_days <= 3650:
        raise InvalidInput("有效期应在 1 到 3650 天之间。")
    with transaction.atomic():
        rule = flag_rule()
        rule.script = text
        rule.validity_days = validity_days
        rule.updated_at = _now(now)
        rule.updated_by = actor
        rule.save()
        audit_record(
            actor=actor,
            action="caller_flag.rule",
            obj=rule,
            detail={"validity_days": validity_days},
        )
    return rule


def phone_clean(phone: str) -> str:
    """The number in the form citizens are stored under (one normaliser for the whole centre)."""
    try:
        return phone_normalise(phone)
    except InvalidPhone as exc:
        raise InvalidInput(exc.message, code="invalid_phone") from None


def flag_in_force(phone: str, *, now: datetime | None = None) -> CallerFlag | None:
    """Return the confirmed flag in force for ``phone`` at ``now``, or None."""
    return (
        CallerFlag.objects.filter(
            phone=phone_normalise_or_none(phone) or (phone or "").strip(),
            state=FlagState.CONFIRMED,
            valid_until__gt=_now(now),
        )
        .order_by("-valid_until")
        .first()
    )


def flag_raise(
    *,
    actor: Any,
    phone: str,
    reason: str,
    note: str,
    ticket_numbers: list[str] | None = None,
    request: Any = None,
    now: datetime | None = None,
) -> CallerFlag:
    """An agent flags a number with evidence (INTAKE-7, TJ 第四十五条); a supervisor decides.

    Evidence tickets must be tickets of that number the agent may see. 409 ``flag_exists``
    when the number already has a flag awaiting decision or in force.
    """
    if not actor.is_centre_staff or not any(actor.can(p) for p in FLAG_PERMS):
        raise PermissionDenied("只有中心工作人员可以标记恶意来电。")
    number = phone_clean(phone)
    if reason not in FlagReason.values:
        raise InvalidInput(f"标记理由“{reason}”无效，应为：{'、'.join(FlagReason.values)}。")
    text = _required(note, "请填写事实依据。")
    tickets: list[Ticket] = []
    for value in sorted({n.strip() for n in ticket_numbers or [] if n.strip()}):
        ticket = ticket_get_for_user(actor, value)
        if ticket.citizen.phone != number:
            raise InvalidInput(f"工单 {value} 不是该号码的来电。")
        tickets.append(ticket)
    at = _now(now)
    try:
        with transaction.atomic():
            if CallerFlag.objects.filter(phone=number, state=FlagState.PENDING).exists() or (
                flag_in_force(number, now=at) is not None
            ):
                raise Conflict("该号码已有待审核或有效的标记。", code="flag_exists")
            flag = CallerFlag.objects.create(
                phone=number, reason=reason, note=text, flagged_by=actor, flagged_at=at
            )
            flag.tickets.add(*tickets)
            audit_record(actor=actor, action="caller_flag.raise", obj=flag, request=request)
    except IntegrityError:
        raise Conflict("该号码已有待审核或有效的标记。", code="flag_exists") from None
    return flag


def _supervisor(actor: Any) -> None:
    if not actor.can("ticket.supervise"):
        raise PermissionDenied("只有督办人员可以审核恶意来电标记。")


def flag_decide(
    *,
    actor: Any,
    flag: CallerFlag,
    confirm: bool,
    note: str = "",
    request: Any = None,
    now: datetime | None = None,
) -> CallerFlag:
    """A supervisor confirms (in force for the rule's validity period) or rejects a flag."""
    _supervisor(actor)
    if not confirm:
        note = _required(note, "驳回时请说明理由。")
    at = _now(now)
    with transaction.atomic():
        flag = CallerFlag.objects.select_for_update().get(pk=flag.pk)
        if flag.state != FlagState.PENDING:
            raise Conflict("该标记已审核。", code="flag_decided")
        if flag.flagged_by_id == actor.pk:
            raise PermissionDenied("不能审核自己提交的标记。")
        flag.state = FlagState.CONFIRMED if confirm else FlagState.REJECTED
        flag.decided_by = actor
        flag.decided_at = at
        flag.decision_note = note.strip()
        if confirm:
            flag.valid_until = at + timedelta(days=flag_rule().validity_days)
        flag.save()
        audit_record(
            actor=actor,
            action="caller_flag.decide",
            obj=flag,
            request=request,
            detail={"state": flag.state},
        )
    return flag


def appeal_file(
    *,
    actor: Any,
    flag: CallerFlag,
    grounds: str,
    request: Any = None,
    now: datetime | None = None,
) -> FlagAppeal:
    """Record the caller's appeal against a flag in force; a supervisor decides it."""
    if not actor.is_centre_staff:
        raise PermissionDenied("只有中心工作人员可以登记申诉。")
    text = _required(grounds, "请填写申诉理由。")
    at = _now(now)
    try:
        with transaction.atomic():
            flag = CallerFlag.objects.select_for_update().get(pk=flag.pk)
            if not flag.in_force(at):
                raise Conflict("只有有效的标记可以申诉。", code="flag_not_in_force")
            if flag.appeals.filter(state=AppealState.PENDING).exists():
                raise Conflict("该标记已有待处理的申诉。", code="appeal_pending")
            appeal = FlagAppeal.objects.create(
                flag=flag, grounds=text, recorded_by=actor, filed_at=at
            )
            audit_record(actor=actor, action="caller_flag.appeal", obj=flag, request=request)
    except IntegrityError:
        raise Conflict("该标记已有待处理的申诉。", code="appeal_pending") from None
    return appeal


def appeal_decide(
    *,
    actor: Any,
    appeal: FlagAppeal,
    uphold: bool,
    note: str,
    request: Any = None,
    now: datetime | None = None,
) -> FlagAppeal:
    """A supervisor decides an appeal: upheld lifts the flag, dismissed leaves it in force."""
    _supervisor(actor)
    text = _required(note, "请填写申诉处理意见。")
    at = _now(now)
    with transaction.atomic():
        appeal = FlagAppeal.objects.select_for_update().select_related("flag").get(pk=appeal.pk)
        if appeal.state != AppealState.PENDING:
            raise Conflict("该申诉已处理。", code="appeal_decided")
        appeal.state = AppealState.UPHELD if uphold else AppealState.DISMISSED
        appeal.decided_by = actor
        appeal.decided_at = at
        appeal.decision_note = text
        appeal.save()
        if uphold:
            CallerFlag.objects.filter(pk=appeal.flag_id).update(state=FlagState.LIFTED)
        audit_record(
            actor=actor,
            action="caller_flag.appeal_decide",
            obj=appeal.flag,
            request=request,
            detail={"appeal": appeal.pk, "state": appeal.state},
        )
    return appeal
