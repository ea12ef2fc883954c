"""What the tickets do when a lower layer announces a change (connected in ``TicketsConfig``)."""

from __future__ import annotations

from typing import Any

from hotline.policy.services import calendar_current
from hotline.policy.signals import calendar_changed
from hotline.tickets.services import deadlines_recompute_provisional


def deadlines_on_calendar_change(**kwargs: Any) -> dict[str, int]:
    """The working days changed: recompute the open provisional deadlines (A28)."""
    return {"deadlines_moved": deadlines_recompute_provisional(calendar=calendar_current())}


def receivers_connect() -> None:
    """Connect the receivers above (idempotent)."""
    calendar_changed.connect(
        deadlines_on_calendar_change, dispatch_uid="tickets.deadlines_on_calendar_change"
    )
