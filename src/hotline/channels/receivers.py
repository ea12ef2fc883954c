"""How the channels react to ticket events (docs/events.md); ``ChannelsConfig.ready`` wires them.

- ``channels.sms_replied`` (transaction): a replied or directly answered ticket sends the
  citizen an SMS ("your ticket was replied"), when an SMS gateway is configured.
- ``channels.sms_extension`` (transaction): an approved extension, where the profile makes the
  centre tell the citizen (``extension.tells_citizen = "centre"``), sends the citizen an SMS.
- ``channels.transfer_reply`` (transaction): the reply of a ticket received from a peer
  platform is queued (outbox adapter ``peer``) to be sent back to it, retried by the outbox
  until the peer takes it (DISPATCH-6).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from hotline.notifications.services import ADAPTERS
from hotline.policy.profiles import load_profile
from hotline.policy.sla import display
from hotline.tickets.events import ticket_events
from hotline.tickets.models import TicketEvent

from .services import (
    PEER_ADAPTER,
    SMS_ADAPTER,
    peer_deliver,
    sms_deliver,
    sms_gateway_url,
    sms_send,
    transfer_reply_queue,
)

REPLIES = {"ticket.replied", "ticket.answered"}


def sms_replied(events: Sequence[TicketEvent]) -> None:
    """Tell the citizen by SMS that their ticket has a reply."""
    if not sms_gateway_url():
        return
    for event in events:
        ticket = event.ticket
        if ticket.confidential:
            continue  # PRIVACY-2: the citizen asked for discretion; no texts to their phone
        sms_send(
            to=ticket.citizen.phone,
            template="replied",
            context={"number": ticket.number},
            ticket=ticket,
            at=event.at,
        )


def sms_extension(events: Sequence[TicketEvent]) -> None:
    """Tell the citizen by SMS of an approved extension where the centre is to tell them."""
    if not sms_gateway_url():
        return
    for event in events:
        ticket = event.ticket
        if load_profile(ticket.profile).extension.tells_citizen != "centre":
            continue
        until = datetime.fromisoformat(event.payload["new_due_at"])
        sms_send(
            to=ticket.citizen.phone,
            template="extension",
            context={"number": ticket.number, "until": display(until)},
            ticket=ticket,
            at=event.at,
        )


def transfer_reply(events: Sequence[TicketEvent]) -> None:
    """Queue the reply of a ticket received from a peer, to be sent back to the peer."""
    for event in events:
        transfer_reply_queue(event)


def receivers_register() -> None:
    """Subscribe the channels' handlers and register the SMS outbox adapter."""
    ADAPTERS[SMS_ADAPTER] = sms_deliver
    ADAPTERS[PEER_ADAPTER] = peer_deliver
    ticket_events.subscribe("channels.sms_replied", sms_replied, codes=REPLIES)
    ticket_events.subscribe(
        "channels.sms_extension", sms_extension, codes={"ticket.extension.approved"}
    )
    ticket_events.subscribe("channels.transfer_reply", transfer_reply, codes=REPLIES)
