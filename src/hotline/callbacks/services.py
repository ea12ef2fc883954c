"""Callbacks (回访) and quality inspection (质检): one business action, one transaction.

CALLBACK-1…4 as corrected by readings C1, C2, A14, A15, A19. The callback itself is the ticket
transition ``callback`` (``tickets.services.ticket_callback``); this module decides which
tickets owe one (the queue), draws the monthly samples, counts the tries, records every
callback, and applies what a dissatisfied result triggers under the profile.
"""

from __future__ import annotations

import math
import random
import secrets
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from hotline.callbacks.models import (
    CallbackRecord,
    DueCallback,
    DueState,
    Inspection,
    InspectionState,
    Reason,
    Responsibility,
    Sample,
    SampleEntry,
)
from hotline.core.errors import Conflict, DomainError, InvalidInput, PermissionDenied
from hotline.directory.models import Unit
from hotline.notifications.services import outbox_put
from hotline.policy.profiles import Profile, load_profile
from hotline.supervision.models import SupervisionOrder
from hotline.tickets import services as tickets
from hotline.tickets.events import events_record
from hotline.tickets.models import Assignment, Deadline, Ticket, TicketEvent

#: The events that file the unit's (or a franchisee's) result with the centre.
RESULT_EVENTS = ("ticket.replied", "ticket.explained")
#: Modes that call back a drawn sample (A14).
SAMPLING_MODES = ("monthly_share", "periodic_sample")
#: Unit kinds that deliver market services (ZJ 第二十条: companies, sole traders and social
#: organisations, in the directory as "other" until the franchise app gives them their own).
DEFAULT_MARKET_UNIT_KINDS = ("other",)


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _lead_unit(ticket: Ticket) -> Unit | None:
    lead = (
        ticket.assignments.filter(role=Assignment.Role.LEAD)
        .select_related("unit")
        .order_by("-dispatched_at", "-id")
        .first()
    )
    return lead.unit if lead is not None else None


def _supervised(ticket: Ticket) -> bool:
    return SupervisionOrder.objects.filter(ticket=ticket).exists()


def market_service(ticket: Ticket) -> bool:
    """Return whether ``ticket`` is a market service (CALLBACK-4, ZJ 第二十七、四十三条).

    A help request (求助, ZJ 第二十条 "市场服务") whose lead unit is a market provider: a unit
    of a kind in ``HOTLINE_CALLBACK_MARKET_UNIT_KINDS`` (default ``other``: companies, sole
    traders, social organisations; the franchise app may add its franchisees' kind).
    """
    kinds = tuple(
        getattr(settings, "HOTLINE_CALLBACK_MARKET_UNIT_KINDS", DEFAULT_MARKET_UNIT_KINDS)
    )
    unit = _lead_unit(ticket)
    return ticket.category == "help" and unit is not None and unit.kind in kinds


def reason_for(ticket: Ticket, profile: Profile) -> str | None:
    """Return why ``ticket`` owes a callback as soon as its result is in, or None (a sampling
    profile's other tickets wait for the draw)."""
    mode = profile.callback.mode
    if mode == "every_ticket":
        return Reason.EVERY_TICKET
    if profile.callback.supervised_always and _supervised(ticket):
        return Reason.SUPERVISED
    if mode == "feedback_sheet" and market_service(ticket):
        return Reason.FEEDBACK_SHEET
    return None


def _last_result(ticket: Ticket) -> TicketEvent | None:
    return ticket.events.filter(action__in=RESULT_EVENTS).order_by("-at", "-id").first()


def due_open(
    ticket: Ticket,
    *,
    reason: str,
    result_at: datetime,
    now: datetime | None = None,
    fresh: bool = False,
) -> DueCallback | None:
    """Queue a callback on ``ticket`` for the result of ``result_at`` (once per result), and
    make sure it owes one: an unmet ``callback`` deadline (the close guard, CALLBACK-1).

    ``fresh``: the result was filed in this transaction, so nothing can have queued it yet
    (the sweeps read committed results only) and the look-up is skipped."""
    at = _now(now)
    if not fresh and DueCallback.objects.filter(ticket=ticket, result_at=result_at).exists():
        return None
    owed = ticket.deadlines.filter(kind="callback", start_at__gte=result_at).order_by("-id").first()
    if owed is None or owed.met_at is not None:
        profile = load_profile(ticket.profile)
        owed = Deadline.objects.create(
            ticket=ticket,
            kind="callback",
            start_at=at,
            due_at=None,
            basis=profile.callback.basis[:200],
            unit="none",
        )
    return DueCallback.objects.create(
        ticket=ticket,
        reason=reason,
        result_at=result_at,
        deadline_at=owed.due_at,
        due_at=owed.due_at or at,
        created_at=at,
    )


def on_result(event: TicketEvent) -> DueCallback | None:
    """A result came in (``ticket.replied``, ``ticket.explained``): queue its callback where
    the profile calls back every ticket, a supervised ticket or a market service."""
    ticket = event.ticket
    reason = reason_for(ticket, load_profile(ticket.profile))
    if reason is None:
        return None
    return due_open(ticket, reason=reason, result_at=event.at, now=event.at, fresh=True)


def _open_due(ticket: Ticket) -> DueCallback | None:
    return (
        DueCallback.objects.select_for_update()
        .filter(ticket=ticket, state=DueState.OPEN)
        .order_by("-result_at")
        .first()
    )


def on_called_back(event: TicketEvent) -> CallbackRecord:
    """Record the callback (every one, QLH 五(五)), count an unreached try, and apply what a
    dissatisfied result triggers (C2)."""
    ticket = event.ticket
    profile = load_profile(ticket.profile)
    result = str(event.payload.get("result"))
    due = _open_due(ticket)
    record = CallbackRecord.objects.create(
        ticket=ticket,
        due=due,
        event_id=event.pk,
        at=event.at,
        actor=event.actor,
        result=result,
        solved=event.payload.get("solved"),
        contacted_in_time=event.payload.get("contacted_in_time"),
        note=event.note,
    )
    if due is not None:
        if result == "unreached":
            due.attempts += 1
            if due.attempts >= profile.callback.max_attempts:
                # The centre's limit of tries: the callback is given up and owed no more.
                due.state = DueState.UNREACHED
                due.finished_at = event.at
                ticket.deadlines.filter(kind="callback", met_at__isnull=True).update(
                    met_at=event.at
                )
            else:
                spacing = timedelta(minutes=profile.callback.retry_minutes * due.attempts)
                due.due_at = event.at + spacing
        else:
            due.state = DueState.DONE
            due.finished_at = event.at
        due.save()
    if result == "dissatisfied":
        _dissatisfied(event, profile, record)
    return record


def _dissatisfied(event: TicketEvent, profile: Profile, record: CallbackRecord) -> None:
    """C2, A19: quality inspection (TJ), a redo order to the same unit (QLH, no time limit of
    its own: the category's limit from the redo, A15). Shanghai's supervision when V1 holds is
    the supervision app's own reaction to the same event (``repeat_call_check``)."""
    ticket = event.ticket
    action = profile.callback.on_dissatisfied
    if action == "quality_inspection":
        inspection_open(ticket, record=record, now=event.at)
    elif action == "redo" and profile.callback.redo_at_once and event.actor is not None:
        try:
            with transaction.atomic():
                tickets.ticket_redo(
                    actor=event.actor,
                    ticket=ticket,
                    note=f"回访不满意，向原承办单位发放重办单（{profile.callback.basis}）",
                    now=event.at,
                )
        except DomainError:
            # The unit can no longer receive tickets: the callback stands, and the ticket waits
            # in the dissatisfied list for the centre to dispatch it.
            return


def inspection_open(
    ticket: Ticket, *, record: CallbackRecord | None = None, now: datetime | None = None
) -> Inspection | None:
    """Open a quality inspection of a dissatisfied ticket (CALLBACK-3), once while open."""
    at = _now(now)
    if Inspection.objects.filter(ticket=ticket, state=InspectionState.OPEN).exists():
        return None
    inspection = Inspection.objects.create(
        ticket=ticket, record=record, unit=_lead_unit(ticket), opened_at=at
    )
    outbox_put(
        topic="callbacks.inspection.opened",
        title=f"工单 {ticket.number} 回访不满意，待质检评定",
        ticket=ticket,
        payload={"roles": ["inspector"]},
        at=at,
    )
    return inspection


#: Longer spellings of the four responsibilities, accepted and stored as the short code.
RESPONSIBILITY_ALIASES = {
    "unit_fault": "unit",
    "citizen_unreasonable": "citizen",
    "unreasonable_demand": "citizen",
    "citizen_demand": "citizen",
    "policy_limit": "policy",
    "centre_mistake": "centre",
    "center": "centre",
    "center_mistake": "centre",
}


def inspection_decide(
    *,
    actor: Any,
    inspection: Inspection,
    responsibility: str,
    finding: str,
    redo: bool,
    now: datetime | None = None,
) -> Inspection:
    """The inspector's decision (CALLBACK-3, TJ 第二十五条): the responsibility, a finding, and
    a redo order to the same unit or the ticket closed with the finding.

    "Not the unit's fault" is stored (``unit_fault``) and announced (``ticket.inspected``) so
    that statistics leave the dissatisfaction out of the unit's rate.
    """
    if not actor.can("ticket.inspect"):
        raise PermissionDenied("只有质检员可以作出质检评定。")
    responsibility = RESPONSIBILITY_ALIASES.get(responsibility, responsibility)
    if responsibility not in Responsibility.values:
        raise InvalidInput(
            f"责任认定“{responsibility}”无效，应为：{'、'.join(Responsibility.values)}。"
        )
    finding = (finding or "").strip()
    if not finding:
        raise InvalidInput("请填写质检结论。")
    at = _now(now)
    with transaction.atomic():
        locked = Inspection.objects.select_for_update().get(pk=inspection.pk)
        if locked.state != InspectionState.OPEN:
            raise Conflict("该质检已作出评定。", code="inspection_decided")
        ticket = Ticket.objects.select_for_update().get(pk=locked.ticket_id)
        locked.state = InspectionState.DECIDED
        locked.responsibility = responsibility
        locked.finding = finding
        locked.redo = redo
        locked.unit_fault = responsibility == Responsibility.UNIT
        locked.decided_at = at
        locked.decided_by = actor
        locked.save()
        events_record(
            [
                TicketEvent(
                    ticket=ticket,
                    actor=actor,
                    action="ticket.inspected",
                    from_state=ticket.state,
                    to_state=ticket.state,
                    note=finding,
                    payload={
                        "inspection": locked.pk,
                        "responsibility": responsibility,
                        "unit_fault": locked.unit_fault,
                        "unit": locked.unit.code if locked.unit else None,
                        "redo": redo,
                    },
                    at=at,
                )
            ]
        )
        if redo:
            tickets.ticket_redo(actor=actor, ticket=ticket, note=finding, now=at)
        else:
            tickets.ticket_close(actor=actor, ticket=ticket, note=finding, now=at)
    return locked


# --------------------------------------------------------------------------- the queue


def queue(user: Any) -> QuerySet[DueCallback]:
    """Return the open callbacks ``user`` may take (the callback agents), earliest first."""
    if not (user.is_superuser or user.can("ticket.callback")):
        raise PermissionDenied("只有回访员可以查看回访队列。")
    return (
        DueCallback.objects.filter(state=DueState.OPEN)
        .select_related("ticket", "ticket__citizen")
        .order_by("due_at", "id")
    )


# --------------------------------------------------------------------------- sampling


@dataclass(frozen=True)
class StratumLine:
    """One unit's figures of a month's sample: ``unit sampled completed``."""

    unit: str
    sampled: int
    completed: int


def month_parse(text: str) -> date:
    """Return the first day of ``YYYY-MM``; raise ``InvalidInput`` otherwise."""
    try:
        year, month = (int(part) for part in text.split("-"))
        return date(year, month, 1)
    except (ValueError, TypeError):
        raise InvalidInput(f"月份“{text}”无效，应为 YYYY-MM。") from None


def _month_bounds(month: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    start = datetime(month.year, month.month, 1, tzinfo=tz)
    nxt = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return start, datetime(nxt.year, nxt.month, 1, tzinfo=tz)


def _target(n: int, share: float, offset: float) -> int:
    """The sample size after ``n`` completed tickets: ``floor(n·share + offset)``, so within
    one ticket of ``n·share`` whatever ``n``, and never shrinking as ``n`` grows."""
    return min(n, math.floor(n * share + offset))


def sample_draw(
    *,
    month: date,
    seed: int | None = None,
    profile_name: str | None = None,
    now: datetime | None = None,
) -> list[StratumLine]:
    """Draw ``month``'s sample under the profile (A14, C1): random, reproducible, per unit.

    The population is the month's completed tickets: those whose unit's result (reply or
    explanation) came in that month, per lead unit, supervised tickets left out where they are
    always called back. Each unit's sample is ``floor(n·share + u)`` tickets, ``u`` drawn once
    per unit from the stored seed: within ±1 of the share. A later draw of the same month
    keeps every earlier decision and draws only among the tickets completed since, so running
    it daily (the worker) and once more at the month's end gives the same figures.
    The seed is chosen at the month's first draw (or given) and stored; another seed later is
    refused (409 ``sample_seed_fixed``).
    """
    at = _now(now)
    name = profile_name or settings.HOTLINE_PROFILE
    profile = load_profile(name)
    if profile.callback.mode not in SAMPLING_MODES or profile.callback.share is None:
        raise DomainError(
            f"本平台（{name}）的回访方式为“{profile.callback.mode}”，不抽样。",
            code="no_sampling",
            status=409,
        )
    share = profile.callback.share
    start, end = _month_bounds(month)
    with transaction.atomic():
        sample, created = Sample.objects.select_for_update().get_or_create(
            profile=name,
            month=month,
            defaults={
                "share": share,
                "seed": seed if seed is not None else secrets.randbelow(2**31),
                "drawn_at": at,
            },
        )
        if not created and seed is not None and seed != sample.seed:
            raise Conflict(
                f"{month:%Y-%m} 的样本已用种子 {sample.seed} 抽取，不能改用其他种子。",
                code="sample_seed_fixed",
            )
        results = TicketEvent.objects.filter(
            ticket=OuterRef("pk"), action__in=RESULT_EVENTS, at__gte=start, at__lt=end
        )
        population = Ticket.objects.filter(profile=name).filter(Exists(results))
        if profile.callback.supervised_always:
            population = population.exclude(
                Exists(SupervisionOrder.objects.filter(ticket=OuterRef("pk")))
            )
        known = set(sample.entries.values_list("ticket_id", flat=True))
        fresh: dict[Unit, list[Ticket]] = defaultdict(list)
        for ticket in population.exclude(pk__in=known).order_by("pk"):
            unit = _lead_unit(ticket)
            if unit is not None:
                fresh[unit].append(ticket)
        entries = sample.entries.values_list("unit_id", "sampled")
        counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])  # unit → [sampled, completed]
        for unit_id, sampled in entries:
            counts[unit_id][0] += int(sampled)
            counts[unit_id][1] += 1
        for unit, new in sorted(fresh.items(), key=lambda item: item[0].code):
            # Reproducible draws from the stored seed, not secrets: hence ``random``.
            rng = random.Random(f"{sample.seed}|{month:%Y-%m}|{unit.code}")  # noqa: S311
            offset = rng.random()
            have, before = counts[unit.pk]
            total = before + len(new)
            wanted = max(0, min(len(new), _target(total, sample.share, offset) - have))
            draw = random.Random(f"{sample.seed}|{month:%Y-%m}|{unit.code}|{total}")  # noqa: S311
            chosen = {t.pk for t in draw.sample(new, wanted)}
            SampleEntry.objects.bulk_create(
                [
                    SampleEntry(sample=sample, ticket=t, unit=unit, sampled=t.pk in chosen)
                    for t in new
                ]
            )
            for t in new:
                if t.pk in chosen:
                    result = _last_result(t)
                    due_open(
                        t,
                        reason=Reason.SAMPLED,
                        result_at=result.at if result else at,
                        now=at,
                    )
            counts[unit.pk] = [have + wanted, total]
        sample.drawn_at = at
        sample.save(update_fields=["drawn_at"])
        codes = dict(Unit.objects.filter(pk__in=counts).values_list("pk", "code"))
    return sorted(
        (StratumLine(codes[pk], sampled, completed) for pk, (sampled, completed) in counts.items()),
        key=lambda line: line.unit,
    )


def supervised_due(*, now: datetime | None = None) -> int:
    """Queue the callback of every supervised ticket whose result is in and not yet called
    back, where the profile calls back every supervised ticket (SH 第十三条 "逐件回访");
    catches orders opened after the result. Returns how many were queued."""
    at = _now(now)
    queued = 0
    candidates = (
        Ticket.objects.filter(state__in=("replied", "closed"))
        .filter(Exists(SupervisionOrder.objects.filter(ticket=OuterRef("pk"))))
        .order_by("pk")
    )
    for ticket in candidates:
        profile = load_profile(ticket.profile)
        if not profile.callback.supervised_always or profile.callback.mode == "every_ticket":
            continue
        result = _last_result(ticket)
        if result is None:
            continue
        if ticket.events.filter(
            action="ticket.called_back", at__gte=result.at, payload__result__in=REACHED
        ).exists():
            continue
        with transaction.atomic():
            if due_open(ticket, reason=Reason.SUPERVISED, result_at=result.at, now=at):
                queued += 1
    return queued


REACHED = ["satisfied", "basically_satisfied", "dissatisfied"]


def callbacks_sweep(*, now: datetime | None = None) -> tuple[int, int]:
    """The worker's run: the current month's sample drawn so far (and the previous month's,
    for results filed late), and supervised tickets queued. Returns (sampled, queued)."""
    at = _now(now)
    profile = load_profile(settings.HOTLINE_PROFILE)
    sampled = 0
    if profile.callback.mode in SAMPLING_MODES:
        local = timezone.localtime(at).date()
        this = local.replace(day=1)
        previous = (this - timedelta(days=1)).replace(day=1)
        for month in (previous, this):
            sampled += sum(line.sampled for line in sample_draw(month=month, now=at))
    return sampled, supervised_due(now=at)
