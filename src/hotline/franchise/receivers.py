"""Market services react to ticket events; tickets never import this app (docs/events.md).

``ticket.called_back`` records the callback's ``result`` on the market order and moves the
franchisee's credit (CALLBACK-4, FRANCHISE-6); ``ticket.closed`` resolves a complaint against a
franchisee (FRANCHISE-5: a later complaint is a repeat only while an earlier one is open).
"""

from __future__ import annotations

from collections.abc import Sequence

from hotline.tickets.events import ticket_events
from hotline.tickets.models import TicketEvent

WATCHED = frozenset({"ticket.called_back", "ticket.closed"})


def market_events(events: Sequence[TicketEvent]) -> None:
    """Apply callbacks and closures to market orders and complaints."""
    from hotline.franchise.models import Complaint, MarketOrder
    from hotline.franchise.services import complaint_resolve, franchisee_credit_refresh

    for event in events:
        if event.action == "ticket.called_back":
            order = (
                MarketOrder.objects.filter(ticket_id=event.ticket_id)
                .select_related("franchisee")
                .first()
            )
            result = str((event.payload or {}).get("result", ""))
            if order is None or order.franchisee is None or result == "unreached":
                continue
            MarketOrder.objects.filter(pk=order.pk).update(callback_result=result)
            franchisee_credit_refresh(order.franchisee, now=event.at)
        elif event.ticket.complained_unit_id is not None:
            # A complaint's ticket names the franchisee's unit as complained about
            # (``complaint_file``): closing any other ticket costs no query.
            complaint = Complaint.objects.filter(ticket_id=event.ticket_id).first()
            if complaint is not None:
                complaint_resolve(complaint=complaint, now=event.at)


def subscribers_register() -> None:
    """Subscribe (called from ``FranchiseConfig.ready``)."""
    ticket_events.subscribe("franchise.market_events", market_events, codes=WATCHED)
