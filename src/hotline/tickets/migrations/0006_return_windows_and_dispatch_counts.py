"""Data: the return window is not a deadline; count past returns and re-dispatches per unit.

Issue 12: the ``return`` rows were windows in which a return is allowed (QLH 五(二), A5), shown
and swept as if owed; they go. Past assignments learn how they came (``kind``) and whether
they were returned (``returned_at``), from the ticket's timeline (HANDLE-3, A15).
"""

from typing import Any

from django.db import migrations


def forwards(apps: Any, schema_editor: Any) -> None:
    Deadline = apps.get_model("tickets", "Deadline")
    Assignment = apps.get_model("tickets", "Assignment")
    TicketEvent = apps.get_model("tickets", "TicketEvent")
    Deadline.objects.filter(kind="return").delete()
    kinds = {"ticket.redispatched": "redispatch", "ticket.redo": "redo"}
    for event in TicketEvent.objects.filter(action__in=list(kinds)).iterator():
        Assignment.objects.filter(
            ticket_id=event.ticket_id, role="lead", dispatched_at=event.at
        ).update(kind=kinds[event.action])
    for event in TicketEvent.objects.filter(action="ticket.returned").iterator():
        lead = (
            Assignment.objects.filter(
                ticket_id=event.ticket_id, role="lead", dispatched_at__lte=event.at
            )
            .order_by("-dispatched_at", "-id")
            .first()
        )
        if lead is not None and lead.returned_at is None:
            lead.returned_at = event.at
            lead.return_ground = str(event.payload.get("ground", ""))[:48]
            lead.save(update_fields=["returned_at", "return_ground"])


class Migration(migrations.Migration):
    dependencies = [("tickets", "0005_profile_rules_part1")]

    # Reverse: nothing to undo; the deleted windows were never owed.
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
