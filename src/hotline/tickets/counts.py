"""Per-unit counts of returns and repeated dispatches, shared by statistics and the screens.

``unit_dispatch_counts`` is the per-unit count of returns and repeated dispatches that QLH
六(二) asks for ("退回、重复派遣"转办件"", HANDLE-3, A15, A20): one query over ``Assignment``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q

from hotline.tickets.models import Assignment, DispatchKind


@dataclass(frozen=True)
class DispatchCounts:
    """What happened to a unit's assignments as lead unit in a period."""

    received: int = 0  # dispatched to it as lead unit (受理数 of a unit, A20)
    returned: int = 0  # it returned them (退回)
    redispatched: int = 0  # it received them again after a return to the centre (重复派遣)
    redone: int = 0  # redo orders it received (重办, also 重复派遣, A15)

    @property
    def repeated(self) -> int:
        """Return the 重复派遣 count: re-dispatches and redo orders."""
        return self.redispatched + self.redone


def unit_dispatch_counts(
    *,
    unit_ids: Iterable[int] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> dict[int, DispatchCounts]:
    """Return per unit id the lead assignments received, returned and dispatched again.

    Dispatches are counted by ``dispatched_at`` and returns by ``returned_at`` within
    ``[since, until)``.
    """
    leads = Assignment.objects.filter(role=Assignment.Role.LEAD)
    if unit_ids is not None:
        leads = leads.filter(unit_id__in=list(unit_ids))
    sent = Q()
    back = Q(returned_at__isnull=False)
    if since is not None:
        sent &= Q(dispatched_at__gte=since)
        back &= Q(returned_at__gte=since)
    if until is not None:
        sent &= Q(dispatched_at__lt=until)
        back &= Q(returned_at__lt=until)
    rows = leads.values("unit_id").annotate(
        received=Count("id", filter=sent),
        returned=Count("id", filter=back),
        redispatched=Count("id", filter=sent & Q(kind=DispatchKind.REDISPATCH)),
        redone=Count("id", filter=sent & Q(kind=DispatchKind.REDO)),
    )
    return {
        row["unit_id"]: DispatchCounts(
            received=row["received"],
            returned=row["returned"],
            redispatched=row["redispatched"],
            redone=row["redone"],
        )
        for row in rows
    }
