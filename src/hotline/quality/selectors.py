"""What a reader may see of centre quality.

- Agent scores (STATS-5): inspectors, supervisors and the centre administrator see every
  agent; an agent sees only their own samples and scores; nobody else sees any.
- Caller flags (INTAKE-7): centre staff who read the CRM (``citizen.view``). Lists mask the
  number; a flag read in full, and the workstation's warning for a number, are audited
  (PRIVACY-3), like citizen records.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from hotline.core.audit import audit_record
from hotline.core.errors import NotFound
from hotline.quality.models import CallerFlag, FlagAppeal, FlagState, Review, SampledTicket
from hotline.quality.services import flag_in_force, flag_rule

#: Roles that read every agent's scores.
READ_ALL_PERMS = ("ticket.inspect", "ticket.supervise", "policy.manage")


def reads_all_scores(user: Any) -> bool:
    return any(user.can(p) for p in READ_ALL_PERMS)


def samples_visible_to(user: Any) -> QuerySet[SampledTicket]:
    """Return the sampled tickets ``user`` may see: all for inspectors, their own for an agent."""
    rows = SampledTicket.objects.select_related("ticket", "agent", "review")
    if reads_all_scores(user):
        return rows
    if user.is_authenticated and user.can("ticket.register"):
        return rows.filter(agent=user)
    return rows.none()


def sample_get_for_user(user: Any, sample_id: int) -> SampledTicket:
    sample = samples_visible_to(user).filter(pk=sample_id).first()
    if sample is None:
        raise NotFound("抽样工单不存在或您无权查看。")
    return sample


def sample_by_ticket(user: Any, number: str) -> SampledTicket:
    """Return the (latest) sample row of ticket ``number`` that ``user`` may see."""
    sample = samples_visible_to(user).filter(ticket__number=number).order_by("-month").first()
    if sample is None:
        raise NotFound(f"工单 {number} 不在质检抽样中，或您无权查看。")
    return sample


@dataclass(frozen=True)
class AgentScore:
    agent: str
    name: str
    sampled: int
    scored: int
    score: float | None


def agent_scores(user: Any, month: date) -> list[AgentScore]:
    """Return each visible agent's sample size, reviews and mean score (%) for ``month``.

    Two queries whatever the number of agents.
    """
    rows = list(samples_visible_to(user).filter(month=month).order_by("agent__username", "id"))
    found: dict[str, list[SampledTicket]] = {}
    for row in rows:
        found.setdefault(row.agent.username, []).append(row)
    out = []
    for username, own in found.items():
        reviews = [r.review for r in own if _review(r) is not None]
        mean = round(sum(r.score for r in reviews) / len(reviews), 1) if reviews else None
        out.append(
            AgentScore(username, own[0].agent.full_name or username, len(own), len(reviews), mean)
        )
    return out


def _review(sample: SampledTicket) -> Review | None:
    try:
        return sample.review
    except Review.DoesNotExist:
        return None


def review_of(sample: SampledTicket) -> Review | None:
    return _review(sample)


def review_row(sample: SampledTicket) -> dict[str, Any]:
    review = _review(sample)
    return {
        "id": review.pk if review else None,
        "ticket": sample.ticket.number,
        "agent": sample.agent.username,
        "month": f"{sample.month:%Y-%m}",
        "scored": review is not None,
        "scores": {
            i: getattr(review, i)
            for i in ("courtesy", "accuracy", "classification", "completeness")
        }
        if review
        else None,
        "notes": review.notes if review else {},
        "note": review.note if review else "",
        "score": review.score if review else None,
        "reviewed_at": review.reviewed_at if review else None,
    }


# ----------------------------------------------------------------------------- flags


def flags_visible_to(user: Any) -> QuerySet[CallerFlag]:
    if user.is_authenticated and user.can("citizen.view"):
        return CallerFlag.objects.select_related("flagged_by", "decided_by")
    return CallerFlag.objects.none()


def flag_list(
    user: Any, *, state: str | None = None, phone: str | None = None, now: datetime | None = None
) -> QuerySet[CallerFlag]:
    """Return the flags ``user`` may see; ``state`` may be ``expired`` (confirmed, past term)."""
    flags = flags_visible_to(user)
    at = now or timezone.now()
    if phone:
        flags = flags.filter(phone=phone.strip())
    if state == "expired":
        flags = flags.filter(state=FlagState.CONFIRMED, valid_until__lte=at)
    elif state == FlagState.CONFIRMED:
        flags = flags.filter(state=FlagState.CONFIRMED, valid_until__gt=at)
    elif state:
        flags = flags.filter(state=state)
    return flags.order_by("-flagged_at", "-id")


def flag_get_for_user(user: Any, flag_id: int, *, request: Any = None) -> CallerFlag:
    """Return the flag with its number in full, writing the read to the audit log."""
    flag = flags_visible_to(user).filter(pk=flag_id).first()
    if flag is None:
        raise NotFound("标记不存在或您无权查看。")
    with transaction.atomic():
        audit_record(actor=user, action="caller_flag.view", obj=flag, request=request)
    return flag


def flag_peek(user: Any, flag_id: int) -> CallerFlag:
    """Return the flag for an action on it (no number shown, nothing audited)."""
    flag = flags_visible_to(user).filter(pk=flag_id).first()
    if flag is None:
        raise NotFound("标记不存在或您无权查看。")
    return flag


def appeal_get_for_user(user: Any, appeal_id: int) -> FlagAppeal:
    appeal = (
        FlagAppeal.objects.filter(flag__in=flags_visible_to(user), pk=appeal_id)
        .select_related("flag")
        .first()
    )
    if appeal is None:
        raise NotFound("申诉不存在或您无权查看。")
    return appeal


@dataclass(frozen=True)
class FlagWarning:
    flag: CallerFlag
    script: str
    valid_until: datetime | None


def flag_warning_for(
    user: Any, phone: str, *, request: Any = None, now: datetime | None = None
) -> FlagWarning | None:
    """Return the centre's rule to show when ``phone`` calls or is typed (INTAKE-7), auditing
    the read; None when no flag is in force or the user does not read the CRM.

    The warning informs the agent; it never blocks registering a ticket.
    """
    phone = (phone or "").strip()
    if len(phone) < 5 or not (user.is_authenticated and user.can("citizen.view")):
        return None
    flag = flag_in_force(phone, now=now)
    if flag is None:
        return None
    with transaction.atomic():
        audit_record(
            actor=user,
            action="caller_flag.view",
            obj=flag,
            request=request,
            detail={"via": "phone_lookup"},
        )
    return FlagWarning(flag=flag, script=flag_rule().script, valid_until=flag.valid_until)


def phones_flagged(phones: list[str], *, now: datetime | None = None) -> set[str]:
    """Return which of ``phones`` have a flag in force (one query)."""
    at = now or timezone.now()
    return set(
        CallerFlag.objects.filter(
            phone__in=phones, state=FlagState.CONFIRMED, valid_until__gt=at
        ).values_list("phone", flat=True)
    )


def flag_row(
    flag: CallerFlag, *, full: bool = False, now: datetime | None = None
) -> dict[str, Any]:
    """The API's view of a flag: the number masked unless ``full`` (an audited read)."""
    pending = [a for a in flag.appeals.all() if a.state == "pending"]
    return {
        "id": flag.pk,
        "phone": flag.phone if full else flag.masked_phone,
        "reason": flag.reason,
        "state": flag.status(now),
        "in_force": flag.in_force(now),
        "flagged_at": flag.flagged_at,
        "flagged_by": flag.flagged_by.username,
        "decided_at": flag.decided_at,
        "valid_until": flag.valid_until,
        "appeal_pending": bool(pending),
        "tickets": sorted(t.number for t in flag.tickets.all()) if full else [],
        "note": flag.note if full else "",
    }
