"""Callbacks react to ticket events; tickets never import this app (docs/events.md).

In the action's transaction (so that the queue and the record change with the ticket or not at
all): a result (``ticket.replied``, ``ticket.explained``) queues its callback where the
profile calls back every ticket, a supervised ticket or a market service;
``ticket.called_back`` is recorded, counts an unreached try and applies what a dissatisfied
result triggers (C2).
"""

from __future__ import annotations

from collections.abc import Sequence

from hotline.tickets.events import ticket_events
from hotline.tickets.models import TicketEvent

RESULTS = frozenset({"ticket.replied", "ticket.explained"})
CALLED_BACK = frozenset({"ticket.called_back"})


def results_in(events: Sequence[TicketEvent]) -> None:
    from hotline.callbacks.services import on_result

    for event in events:
        on_result(event)


def called_back(events: Sequence[TicketEvent]) -> None:
    from hotline.callbacks.services import on_called_back

    for event in events:
        on_called_back(event)


def subscribers_register() -> None:
    """Subscribe (called from ``CallbacksConfig.ready``)."""
    ticket_events.subscribe("callbacks.results", results_in, codes=RESULTS)
    ticket_events.subscribe("callbacks.called_back", called_back, codes=CALLED_BACK)
