"""Supervision reacts to ticket events after their commit; tickets never import this app.

``ticket.registered`` (a repeat call may name an earlier ticket) and ``ticket.called_back`` (a
dissatisfied result) run the repeat-call trigger (V1) once the ticket's transaction commits.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from hotline.tickets.models import Ticket, TicketEvent

WATCHED = frozenset({"ticket.registered", "ticket.called_back"})


@receiver(post_save, sender=TicketEvent, dispatch_uid="supervision.repeat_call")
def _on_ticket_event(sender: Any, instance: TicketEvent, created: bool, **kwargs: Any) -> None:
    if not created or instance.action not in WATCHED:
        return
    ticket_id, at = instance.ticket_id, instance.at

    def check() -> None:
        from hotline.supervision.services import repeat_call_check

        ticket = Ticket.objects.filter(pk=ticket_id).first()
        if ticket is not None:
            repeat_call_check(ticket, now=at)

    transaction.on_commit(check)
