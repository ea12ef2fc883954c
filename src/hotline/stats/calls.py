"""Call records from the telephony system and the call-centre figures (STATS-6, CALLCENTRE-2/3).

接通率 = answered ÷ offered inbound calls; 呼损率 = abandoned (never answered) ÷ offered;
average wait = mean seconds from offered to answered over answered calls; the 15-second share
= calls answered within 15 s ÷ offered (A20). The seat rule of ZJ 第九条 (O2, A21): at first
build, a centre serving ≤ 300,000 people needs ≥ 6 seats, above that ≥ 8.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction

from hotline.core.audit import audit_record
from hotline.core.errors import DomainError
from hotline.stats.indicators import ratio
from hotline.stats.models import CallRecord
from hotline.stats.selectors import Period
from hotline.tickets.models import Ticket

INBOUND = {"inbound", "in"}
ANSWER_WITHIN = 15  # seconds


def calls_import(*, actor: Any, records: Iterable[dict[str, Any]]) -> dict[str, int]:
    """Store the CDR ``records`` not seen before (idempotent by ``call_id``); centre admins only."""
    if not (getattr(actor, "is_superuser", False) or "centre_admin" in actor.roles):
        raise DomainError(
            "只有中心管理员（话务系统账号）可以上传通话记录。", code="forbidden", status=403
        )
    rows = list(records)
    ids = [r["call_id"] for r in rows]
    if len(set(ids)) != len(ids):
        raise DomainError("同一批记录中 call_id 重复。", code="duplicate_call_id", status=400)
    for r in rows:
        url = r.get("recording_url") or ""
        if url and not url.lower().startswith(("https://", "http://")):
            raise DomainError(
                f"通话 {r['call_id']} 的录音地址须以 http:// 或 https:// 开头。",
                code="invalid_input",
                status=400,
            )
        answered, ended = r.get("answered_at"), r.get("ended_at")
        if answered is not None and answered < r["offered_at"]:
            raise DomainError(
                f"通话 {r['call_id']} 的接听时间早于呼入时间。", code="invalid_input", status=400
            )
        if ended is not None and ended < (answered or r["offered_at"]):
            raise DomainError(
                f"通话 {r['call_id']} 的结束时间早于开始时间。", code="invalid_input", status=400
            )
    with transaction.atomic():
        known = set(CallRecord.objects.filter(call_id__in=ids).values_list("call_id", flat=True))
        new = [
            CallRecord(
                call_id=r["call_id"],
                number=r.get("number") or "",
                direction="inbound" if r["direction"] in INBOUND else "outbound",
                offered_at=r["offered_at"],
                answered_at=r.get("answered_at"),
                ended_at=r.get("ended_at"),
                agent=r.get("agent") or "",
                queue=r.get("queue") or "",
                recording_url=r.get("recording_url") or "",
            )
            for r in rows
            if r["call_id"] not in known
        ]
        CallRecord.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
        audit_record(
            actor=actor,
            action="calls.import",
            channel="api",
            detail={"created": len(new), "existing": len(known)},
        )
    return {"created": len(new), "existing": len(known)}


@dataclass
class _Tally:
    offered: int = 0
    answered: int = 0
    within: int = 0
    wait: float = 0.0

    def add(self, call: CallRecord) -> None:
        self.offered += 1
        wait = call.wait_seconds
        if wait is not None:
            self.answered += 1
            self.wait += wait
            self.within += int(wait <= ANSWER_WITHIN)

    def out(self) -> dict[str, Any]:
        return {
            "offered": self.offered,
            "answered": self.answered,
            "abandoned": self.offered - self.answered,
            "connection_rate": ratio(self.answered, self.offered),
            "loss_rate": ratio(self.offered - self.answered, self.offered),
            "average_wait": round(self.wait / self.answered, 1) if self.answered else None,
            "within_15s_rate": ratio(self.within, self.offered),
        }


def call_figures(period: Period) -> dict[str, Any]:
    """Return the inbound call figures of ``period``: overall, by hour of day and by agent."""
    from hotline.stats.rollup import day_bounds

    low, high = day_bounds(period.start, period.end)
    zone = ZoneInfo(settings.TIME_ZONE)
    total = _Tally()
    hours: dict[int, _Tally] = defaultdict(_Tally)
    agents: dict[str, _Tally] = defaultdict(_Tally)
    calls = CallRecord.objects.filter(
        offered_at__gte=low, offered_at__lt=high, direction="inbound"
    ).only("offered_at", "answered_at", "agent")
    for call in calls.iterator(chunk_size=2000):
        total.add(call)
        hours[call.offered_at.astimezone(zone).hour].add(call)
        if call.answered_at is not None and call.agent:
            agents[call.agent].add(call)
    return {
        "total": total.out(),
        "hours": [{"hour": h, **hours[h].out()} for h in sorted(hours)],
        "agents": [{"agent": a, **agents[a].out()} for a in sorted(agents)],
    }


def seats_required(population: int) -> int:
    """Return the seats ZJ 第九条 requires at first build (O2; A21: 300,000 is the first band)."""
    return 6 if population <= 300_000 else 8


def seat_check() -> dict[str, Any]:
    """Return the seat rule's inputs and verdict from settings (``HOTLINE_POPULATION_SERVED``,
    ``HOTLINE_SEATS``); None values where the centre has not stated them."""
    population = getattr(settings, "HOTLINE_POPULATION_SERVED", None)
    seats = getattr(settings, "HOTLINE_SEATS", None)
    required = seats_required(population) if population is not None else None
    ok = None if required is None or seats is None else seats >= required
    return {"population": population, "seats": seats, "required": required, "ok": ok}


def call_for_ticket(ticket: Ticket, slack_minutes: int = 30) -> CallRecord | None:
    """Return the answered call a phone ticket was registered from (CALLCENTRE-3).

    The call of the citizen's number that was answered before the registration and ended at
    most ``slack_minutes`` before it; the latest such call.
    """
    if ticket.channel != "phone":
        return None
    from datetime import timedelta

    phone = ticket.citizen.phone if hasattr(ticket.citizen, "phone") else ""
    if not phone:
        return None
    moment: datetime = ticket.registered_at
    return (
        CallRecord.objects.filter(
            number=phone,
            answered_at__isnull=False,
            answered_at__lte=moment,
            offered_at__gte=moment - timedelta(hours=6),
        )
        .exclude(ended_at__lt=moment - timedelta(minutes=slack_minutes))
        .order_by("-answered_at")
        .first()
    )
