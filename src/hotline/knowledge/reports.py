"""KB-3 timeliness: per unit, knowledge updates published within the profile's limit.

信息库及时更新率 (readings A20) = updates published within the limit ÷ all updates whose
clock fell due in the period; open clocks carry a traffic light (SLA-5's rule).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from hotline.directory.models import Unit
from hotline.knowledge.models import ReleaseClock
from hotline.policy.profiles import load_profile
from hotline.policy.sla import Due, Light, traffic_light
from hotline.policy.sla import Unit as LimitUnit


@dataclass
class UnitTimeliness:
    unit: Unit
    total: int = 0
    on_time: int = 0
    late: int = 0
    open_overdue: int = 0
    open_in_time: int = 0

    @property
    def rate(self) -> float | None:
        """Return the share published in time (None when nothing fell due)."""
        decided = self.on_time + self.late + self.open_overdue
        return round(self.on_time / decided, 4) if decided else None


def clock_light(clock: ReleaseClock, *, now: datetime | None = None) -> Light:
    """Return the traffic light of an open clock (``none``: met, or no limit)."""
    if clock.met_at is not None or clock.due_at is None:
        return Light.NONE
    share = load_profile(settings.HOTLINE_PROFILE).profile.warning_share
    due = Due(clock.due_at, False, clock.basis, LimitUnit.WORKING_DAYS, None)
    return traffic_light(
        due, start=clock.started_at, now=now or timezone.now(), warning_share=share
    )


def timeliness_by_unit(
    units: QuerySet[Unit], *, start: date, end: date, now: datetime | None = None
) -> list[UnitTimeliness]:
    """Return one row per unit with clocks whose source was released in [start, end]."""
    now = now or timezone.now()
    rows: dict[int, UnitTimeliness] = {}
    clocks = ReleaseClock.objects.select_related("unit").filter(
        unit__in=units, released_on__gte=start, released_on__lte=end
    )
    for clock in clocks:
        row = rows.setdefault(clock.unit_id, UnitTimeliness(unit=clock.unit))
        row.total += 1
        if clock.met_at is not None:
            if clock.on_time:
                row.on_time += 1
            else:
                row.late += 1
        elif clock.due_at is not None and now >= clock.due_at:
            row.open_overdue += 1
        else:
            row.open_in_time += 1
    return sorted(rows.values(), key=lambda r: r.unit.path)


def open_clocks(units: QuerySet[Unit], *, now: datetime | None = None) -> list[dict[str, Any]]:
    """Return the open clocks with their traffic lights, most urgent first."""
    now = now or timezone.now()
    clocks = (
        ReleaseClock.objects.select_related("unit", "article")
        .filter(unit__in=units, met_at__isnull=True)
        .order_by("due_at")[:200]
    )
    return [{"clock": c, "light": clock_light(c, now=now).value} for c in clocks]
