"""The ticket events: every ``TicketEvent`` enters the record here, and is published.

``events_record`` is the one door: the services (through ``_event``), the calendar
recomputation and the sweep all append through it, so a subscriber of ``ticket_events`` sees
every action, every moved deadline and every warning and breach, each once. The event codes and
their payloads are listed in docs/events.md.

Subscribe in your app's ``AppConfig.ready``::

    from hotline.tickets.events import ticket_events

    ticket_events.subscribe("stats.daily", daily_counts, codes={"ticket.registered"})
    ticket_events.subscribe("stats.rollup", rollup, mode="outbox")

A transaction subscriber gets a list of ``TicketEvent`` (one action's, or one sweep batch's)
inside the transaction; an outbox subscriber gets one ``TicketEvent`` (a list of them when it
subscribed with ``batch=True``), reloaded with its ticket and actor, after commit, at least once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hotline.accounts.models import User
from hotline.core.events import Channel
from hotline.tickets.models import Ticket, TicketEvent


def _load(event_id: int) -> TicketEvent:
    return TicketEvent.objects.select_related("ticket", "actor").get(pk=event_id)


def _load_many(event_ids: list[int]) -> list[TicketEvent]:
    """Return the events with their tickets and actors: three look-ups by primary key.

    Not one join: a batch's events belong to the newest tickets, beyond what the planner's
    statistics of the events table may know yet, and a merge join then walked the whole ticket
    index from its first row (0.3 s a batch at a million tickets, seconds at ten million).
    """
    events = list(TicketEvent.objects.filter(pk__in=event_ids))
    tickets = Ticket.objects.in_bulk({e.ticket_id for e in events})
    actors = User.objects.in_bulk({e.actor_id for e in events if e.actor_id is not None})
    for event in events:
        event.ticket = tickets[event.ticket_id]
        event.actor = actors.get(event.actor_id) if event.actor_id is not None else None
    return events


#: The channel of ticket events; its event id is ``TicketEvent.pk``.
ticket_events: Channel[TicketEvent] = Channel(
    "tickets",
    code=lambda event: event.action,
    key=lambda event: event.pk,
    at=lambda event: event.at,
    load=_load,
    load_many=_load_many,
)


def events_record(events: Sequence[TicketEvent]) -> None:
    """Save ``events`` (new, unsaved) and publish them; call it inside the change's transaction."""
    if len(events) == 1:
        events[0].save(force_insert=True)
    elif events:
        TicketEvent.objects.bulk_create(events, batch_size=1000)
    ticket_events.publish(events)


@dataclass(frozen=True)
class NoticeRequest:
    """A message the tickets want sent about a ticket (who is told is the subscriber's job).

    Published on ``ticket_notices`` inside the action's transaction; ``notifications`` turns
    it into outbox messages (applying PRIVACY-2 for a unit the citizen is hidden from), so that
    tickets never import the notifications app.
    """

    topic: str
    title: str
    at: datetime
    body: str = ""
    ticket: Any = None
    unit: Any = None  # a directory Unit, or None for the centre
    payload: dict[str, Any] = field(default_factory=dict)


def _no_load(_id: int) -> NoticeRequest:
    raise LookupError("notice requests are delivered in the transaction only")


#: The channel of notice requests (transaction subscribers only: requests are not stored).
ticket_notices: Channel[NoticeRequest] = Channel(
    "tickets.notices",
    code=lambda request: request.topic,
    key=lambda request: None,
    at=lambda request: request.at,
    load=_no_load,
)


def notice_request(
    *,
    topic: str,
    title: str,
    at: datetime,
    body: str = "",
    ticket: Any = None,
    unit: Any = None,
    payload: dict[str, Any] | None = None,
) -> None:
    """Ask for a message about ``ticket`` (to ``unit``, or the centre's roles in ``payload``)."""
    ticket_notices.publish(
        [
            NoticeRequest(
                topic=topic,
                title=title,
                at=at,
                body=body,
                ticket=ticket,
                unit=unit,
                payload=dict(payload or {}),
            )
        ]
    )
