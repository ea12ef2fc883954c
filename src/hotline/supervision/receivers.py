"""Supervision reacts to ticket events; tickets never import this app (docs/events.md).

``ticket.registered`` (a repeat call may name an earlier ticket) and ``ticket.called_back`` (a
dissatisfied result) run the repeat-call trigger (V1) in the action's transaction, so that the
order opens with the change or not at all, once however many calls arrive.
"""

from __future__ import annotations

from collections.abc import Sequence

from hotline.tickets.events import ticket_events
from hotline.tickets.models import TicketEvent

WATCHED = frozenset({"ticket.registered", "ticket.called_back"})


def _may_trigger(event: TicketEvent) -> bool:
    """Whether ``event`` can make V1's two conditions (dissatisfied, and called about again
    often enough) hold: a registration that names earlier tickets (it adds a repeat call to
    each) or a callback that found the citizen dissatisfied. Any other registration or
    callback changes neither, so the look-up is skipped (the hot path, issue 18)."""
    if event.action == "ticket.registered":
        return bool(event.payload.get("related"))
    return bool(event.payload.get("result") == "dissatisfied")


def repeat_calls(events: Sequence[TicketEvent]) -> None:
    """Run the repeat-call trigger for each ticket these events touched."""
    from hotline.supervision.services import repeat_call_check

    for event in events:
        if _may_trigger(event):
            repeat_call_check(event.ticket, now=event.at)


def subscribers_register() -> None:
    """Subscribe (called from ``SupervisionConfig.ready``)."""
    ticket_events.subscribe("supervision.repeat_calls", repeat_calls, codes=WATCHED)
