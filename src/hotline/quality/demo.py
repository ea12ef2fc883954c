"""Demo centre quality: last month's and this month's agent samples, partly scored by the
inspector (STATS-5), and one malicious-caller flag confirmed by the supervisor (INTAKE-7).

Made by the services at the demo's clock; idempotent (nothing happens when samples exist).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db.models import Count
from django.utils import timezone

from hotline.accounts.models import User
from hotline.quality.models import CallerFlag, Item, SampledTicket
from hotline.quality.services import flag_decide, flag_raise, review_score, sample_draw
from hotline.tickets.models import Ticket

if TYPE_CHECKING:
    from hotline.core.demo import DemoOptions

#: The inspector's scores of the first sampled tickets (courtesy, accuracy, classification,
#: completeness), with a note where a point was lost.
SCORES: list[tuple[tuple[int, int, int, int], dict[str, str]]] = [
    ((5, 5, 4, 5), {"classification": "应归为求助类，误选为咨询类。"}),
    ((4, 5, 5, 5), {"courtesy": "结束语不规范。"}),
    ((5, 3, 5, 4), {"accuracy": "答复口径与知识库不一致。", "completeness": "未记录联系地址。"}),
    ((5, 5, 5, 5), {}),
]


def quality_demo_load(*, now: datetime) -> dict[str, int]:
    """Draw and partly score two months of samples; raise and confirm one flag."""
    if SampledTicket.objects.exists():
        return {}
    inspector = User.objects.filter(username="inspector").first()
    boss = User.objects.filter(username="supervisor").first()
    agent = User.objects.filter(username="agent").first()
    if inspector is None or boss is None or agent is None or not Ticket.objects.exists():
        return {}
    this_month = timezone.localdate(now).replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    scored = 0
    for month, count in ((last_month, 4), (this_month, 2)):
        sample_draw(month=month, per_agent=5, now=now)
        rows = SampledTicket.objects.filter(month=month).order_by("ticket__registered_at", "id")
        for row, (points, notes) in zip(rows[:count], SCORES, strict=False):
            review_score(
                actor=inspector,
                sample=row,
                scores=dict(zip(Item.values, points, strict=True)),
                notes=notes,
                now=min(row.ticket.registered_at + timedelta(days=3), now),
            )
            scored += 1

    flags = 0
    if not CallerFlag.objects.exists():
        # The demo caller with most tickets: the agents report abuse on the line.
        busiest = (
            Ticket.objects.values("citizen__phone")
            .annotate(n=Count("id"))
            .order_by("-n", "citizen__phone")
            .first()
        )
        if busiest is not None:
            phone = busiest["citizen__phone"]
            evidence = list(
                Ticket.objects.filter(citizen__phone=phone)
                .order_by("-registered_at")
                .values_list("number", flat=True)[:2]
            )
            flag = flag_raise(
                actor=agent,
                phone=phone,
                reason="abuse",
                note="来电人多次在通话中辱骂接线员，并反复拨打占线（见所附工单录音）。",
                ticket_numbers=evidence,
                now=now - timedelta(days=6),
            )
            flag_decide(
                actor=boss,
                flag=flag,
                confirm=True,
                note="录音核实属实，依第四十五条认定。",
                now=now - timedelta(days=5),
            )
            flags = 1
    return {"sampled": SampledTicket.objects.count(), "scored": scored, "flags": flags}


def quality_demo(options: DemoOptions) -> list[str]:
    """The quality app's demo loader (``QualityConfig.demo_loader``)."""
    made = quality_demo_load(now=options.now)
    if not made:
        return [f"Agent quality: {SampledTicket.objects.count()} sampled tickets (kept)."]
    return [
        f"Agent quality: {made['sampled']} sampled tickets, {made['scored']} scored; "
        f"{made['flags']} malicious-caller flag confirmed."
    ]
