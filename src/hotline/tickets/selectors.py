"""What a reader may see of tickets: one structure built here, presented by the API and pages.

``ticket_view`` is the single place where PRIVACY-2 shapes a ticket for its reader (the
citizen block, attachments, the timeline); ``tickets_filtered`` and ``ticket_rows`` build the
lists. Pages (workbench) and the API (``tickets.api``) both call these; neither depends on
the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from hotline.tickets import services as svc
from hotline.tickets.access import (
    citizen_hidden_from,
    ticket_citizen_for_user,
    tickets_visible_to,
)
from hotline.tickets.models import Assignment, Deadline, ExtensionRequest, Ticket, TicketEvent
from hotline.tickets.sweep import CLOCK_LABELS
from hotline.tickets.transitions import STATE_LABELS, State

# Events whose note or payload names a document the citizen gave (an attachment's file name
# may carry the citizen's name or ID number): a hidden reader sees only that a file was added.
ATTACHMENT_EVENTS = frozenset({"ticket.attachment.added"})
HIDDEN_ATTACHMENT_NOTE = "（附件）"


class TicketFilters(Protocol):
    """The list filters (the API's query schema and the pages' form both provide them)."""

    @property
    def state(self) -> str | None: ...

    @property
    def unit(self) -> str | None: ...

    @property
    def light(self) -> str | None: ...

    @property
    def category(self) -> str | None: ...

    @property
    def q(self) -> str | None: ...


@dataclass(frozen=True)
class TicketQuery:
    """The list filters as plain values (what the pages build from their filter form)."""

    state: str | None = None
    unit: str | None = None
    light: str | None = None
    category: str | None = None
    q: str | None = None


def event_view(event: TicketEvent, *, hidden: bool) -> dict[str, Any]:
    """Return one timeline entry as the reader may see it (PRIVACY-2 for attachment names)."""
    note = event.note
    payload = event.payload
    if hidden and event.action in ATTACHMENT_EVENTS:
        note = HIDDEN_ATTACHMENT_NOTE
        payload = {k: v for k, v in payload.items() if k not in {"name", "file", "filename"}}
    return {
        "at": event.at,
        "action": event.action,
        "actor": event.actor.get_full_name() or event.actor.username if event.actor else None,
        "from_state": event.from_state,
        "to_state": event.to_state,
        "note": note,
        "payload": payload,
    }


def extension_view(request_: ExtensionRequest) -> dict[str, Any]:
    return {
        "id": request_.pk,
        "ticket": request_.ticket.number,
        "unit": request_.unit.code,
        "until": request_.until,
        "reason": request_.reason,
        "basis": request_.basis,
        "status": request_.status,
        "requested_at": request_.requested_at,
        "decided_at": request_.decided_at,
        "decided_until": request_.decided_until,
        "decision_note": request_.decision_note,
    }


def worst_light(deadlines: list[Deadline], now: datetime) -> str:
    """Return the ticket's light: its worst open deadline's (normal when none is open)."""
    lights = {d.light(now) for d in deadlines}
    for light in ("overdue", "warning"):
        if light in lights:
            return light
    return "normal"


def ticket_view(
    user: Any, ticket: Ticket, *, request: HttpRequest | None, now: datetime | None = None
) -> dict[str, Any]:
    """Return the ticket as ``user`` may see it: the one reader's view (PRIVACY-2).

    The API and the ticket page both present this structure. When the citizen is hidden from
    the reader, the citizen block says only ``hidden``, and nothing that could name the
    citizen reaches the reader: no attachments, and no attachment's file name in the
    timeline. Every read of the citizen's identity is audited (PRIVACY-3).
    """
    now = now or timezone.now()
    hidden = citizen_hidden_from(user, ticket)
    deadlines = list(
        ticket.deadlines.select_related("assignment__unit").prefetch_related("changes")
    )
    assignments = ticket.assignments.filter(active=True).select_related("unit")
    return {
        "number": ticket.number,
        "state": ticket.state,
        "state_label": STATE_LABELS[State(ticket.state)],
        "version": ticket.version,
        "profile": ticket.profile,
        "channel": ticket.channel,
        "category": ticket.category,
        "content": ticket.content,
        "urgent": ticket.urgent,
        "complex": ticket.complex,
        "confidential": ticket.confidential,
        "address": ticket.address,
        "area": ticket.area.code if ticket.area else None,
        "complained_unit": ticket.complained_unit.code if ticket.complained_unit else None,
        "registered_at": ticket.registered_at,
        "citizen": ticket_citizen_for_user(user, ticket, request=request),
        "units": [
            {
                "code": a.unit.code,
                "name": a.unit.name,
                "role": a.role,
                "signed_at": a.signed_at,
                "contributed_at": a.contributed_at,
                "contribution": a.contribution,
                "waived_reason": a.waived_reason,
            }
            for a in assignments
        ],
        "light": worst_light(deadlines, now),
        "deadlines": [
            {
                "id": d.pk,
                "kind": d.kind,
                "label": CLOCK_LABELS.get(d.kind, d.kind),
                "unit_code": d.assignment.unit.code if d.assignment else None,
                "start_at": d.start_at,
                "due_at": d.due_at,
                "warn_at": d.warn_at,
                "met_at": d.met_at,
                "light": d.light(now),
                "basis": d.basis,
                "provisional": d.provisional,
                "history": [
                    {
                        "at": c.at,
                        "old_due_at": c.old_due_at,
                        "new_due_at": c.new_due_at,
                        "reason": c.reason,
                    }
                    for c in d.changes.all()
                ],
            }
            for d in deadlines
        ],
        "events": [event_view(e, hidden=hidden) for e in ticket.events.select_related("actor")],
        "extensions": [
            extension_view(x) for x in ticket.extensions.select_related("ticket", "unit")
        ],
        "attachments": []
        if hidden
        else [
            {
                "id": a.pk,
                "name": a.name,
                "content_type": a.content_type,
                "size": a.size,
                "uploaded_at": a.uploaded_at,
                "url": f"/api/v1/tickets/{ticket.number}/attachments/{a.pk}",
            }
            for a in ticket.attachments.all()
        ],
        "related": list(ticket.related.values_list("number", flat=True)),
        "allowed_actions": svc.ticket_actions_for(user, ticket, now),
        **_part2_view(ticket, assignments),
    }


def _part2_view(ticket: Ticket, assignments: Any) -> dict[str, Any]:
    """HANDLE-7 kinds, the sudden event, the lead's liaisons of an urgent ticket (DISPATCH-3)
    and the reclassification requests (A7)."""
    lead = next((a for a in assignments if a.role == Assignment.Role.LEAD), None)
    liaisons = list(lead.unit.liaisons.all()) if ticket.urgent and lead is not None else []
    return {
        "escalation": list(ticket.escalation),
        "event_at": ticket.event_at,
        "liaisons": [
            {
                "id": x.pk,
                "name": x.name,
                "phone": x.phone,
                "position": x.position,
                "primary": x.is_primary,
            }
            for x in liaisons
        ],
        "reclassifications": [
            {
                "id": r.pk,
                "unit": r.unit.code,
                "reason": r.reason,
                "status": r.status,
                "requested_at": r.requested_at,
                "decided_at": r.decided_at,
                "decision_note": r.decision_note,
            }
            for r in ticket.reclassifications.select_related("unit")
        ],
    }


def tickets_filtered(user: Any, filters: TicketFilters, now: datetime) -> QuerySet[Ticket]:
    """Return the user's tickets narrowed by the list filters (shared with the UI)."""
    tickets = tickets_visible_to(user)
    if filters.state:
        tickets = tickets.filter(state__in=filters.state.split(","))
    if filters.category:
        tickets = tickets.filter(category__in=filters.category.split(","))
    if filters.unit:
        tickets = tickets.filter(
            Exists(
                Assignment.objects.filter(
                    ticket=OuterRef("pk"), active=True, unit__code=filters.unit
                )
            )
        )
    if filters.q:
        text = filters.q.strip()[:100]
        tickets = tickets.filter(
            Q(number__icontains=text) | Q(content__icontains=text) | Q(address__icontains=text)
        )
    if filters.light:
        open_ = Deadline.objects.filter(ticket=OuterRef("pk"), met_at__isnull=True)
        overdue = Exists(open_.filter(due_at__lte=now))
        warning = Exists(open_.filter(warn_at__lte=now))
        if filters.light == "overdue":
            tickets = tickets.filter(overdue)
        elif filters.light == "warning":
            tickets = tickets.filter(warning).exclude(overdue)
        else:
            tickets = tickets.exclude(warning).exclude(overdue)
    return tickets


def ticket_rows(tickets: list[Ticket], now: datetime) -> list[dict[str, Any]]:
    """Return list rows for ``tickets`` with their light and next due time (two queries)."""
    ids = [t.pk for t in tickets]
    open_deadlines: dict[int, list[Deadline]] = {}
    for d in Deadline.objects.filter(ticket_id__in=ids, met_at__isnull=True):
        open_deadlines.setdefault(d.ticket_id, []).append(d)
    leads = {
        a.ticket_id: a.unit.code
        for a in Assignment.objects.filter(
            ticket_id__in=ids, active=True, role="lead"
        ).select_related("unit")
    }
    rows = []
    for t in tickets:
        mine = open_deadlines.get(t.pk, [])
        dues = [d.due_at for d in mine if d.due_at is not None]
        rows.append(
            {
                "number": t.number,
                "state": t.state,
                "state_label": STATE_LABELS[State(t.state)],
                "category": t.category,
                "channel": t.channel,
                "content": t.content[:120],
                "urgent": t.urgent,
                "registered_at": t.registered_at,
                "lead_unit": leads.get(t.pk),
                "light": worst_light(mine, now),
                "next_due_at": min(dues) if dues else None,
            }
        )
    return rows
