"""What a reader may see of tickets: one ticket's view, the filtered list and its rows.

The API (``tickets/api.py``) and the pages (``workbench``) both present these plain structures;
neither builds its own. PRIVACY-2 is applied here, once: a reader from whom the citizen is
hidden (``access.citizen_hidden_from``) gets no name, phone, address or earlier tickets, no
attachments and no attachment names, no related ticket of the same citizen, and free text with
the citizen's phone and name blotted out. Lists mask phone numbers in free text (PRIVACY-3).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from hotline.core.masking import mask_name, mask_text, redact
from hotline.policy.profiles import load_profile
from hotline.tickets import services as svc
from hotline.tickets.access import (
    citizen_hidden_from,
    ticket_citizen_for_user,
    tickets_citizen_hidden_q,
    tickets_visible_to,
)
from hotline.tickets.models import Assignment, CitizenNotice, Deadline, Ticket
from hotline.tickets.sweep import CLOCK_LABELS
from hotline.tickets.transitions import STATE_LABELS, State

if TYPE_CHECKING:
    from hotline.accounts.models import User
    from hotline.citizens.models import Citizen

#: The clocks in the order they run on a ticket (issue 19: the deadline table reads sign-for,
#: first contact, reply, callback); a clock not listed goes last.
CLOCK_ORDER = (
    "dispatch",
    "deferred_answer",
    "evaluation",
    "sign_for",
    "first_contact",
    "assist",
    "return",
    "extension_request",
    "tell_citizen",
    "event_report",
    "event_followup",
    "reply",
    "filing",
    "callback",
)


def clock_order_key(deadline: Deadline) -> tuple[int, datetime, int]:
    """Sort key of a deadline: its clock's place in ``CLOCK_ORDER``, then its start."""
    place = CLOCK_ORDER.index(deadline.kind) if deadline.kind in CLOCK_ORDER else len(CLOCK_ORDER)
    return (place, deadline.start_at, deadline.pk or 0)


#: The timeline event that files an attachment; its note is the file's name.
ATTACHMENT_EVENT = "ticket.attachment.added"


def worst_light(deadlines: list[Deadline], now: datetime) -> str:
    """Return the ticket's light: its worst open deadline's (normal when none is open)."""
    lights = {d.light(now) for d in deadlines}
    for light in ("overdue", "warning"):
        if light in lights:
            return light
    return "normal"


def _secrets(citizen: Citizen | None) -> list[str]:
    """Return what identifies ``citizen``: to be blotted out for a hidden reader."""
    if citizen is None:
        return []
    return [citizen.phone, citizen.name]


def _redact_value(value: Any, secrets: list[str]) -> Any:
    if isinstance(value, str):
        return redact(value, secrets)
    if isinstance(value, dict):
        return {k: _redact_value(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact_value(v, secrets) for v in value]
    return value


def ticket_related_for(user: User, ticket: Ticket) -> list[str]:
    """Return the numbers of the related tickets ``user`` may know of (PRIVACY-2).

    Centre staff see every link. A unit sees only related tickets it can open, and never a
    link between two tickets of the same citizen when the citizen is hidden on either: that
    link would tie the hidden complaint to a caller the unit knows.
    """
    related = ticket.related.all()
    if not user.is_centre_staff:
        related = related.filter(pk__in=tickets_visible_to(user).values("pk"))
        if citizen_hidden_from(user, ticket):
            related = related.exclude(citizen_id=ticket.citizen_id)
        else:
            related = related.exclude(
                Q(citizen_id=ticket.citizen_id) & tickets_citizen_hidden_q(user)
            )
    return list(related.order_by("number").values_list("number", flat=True))


def ticket_view_for(
    user: User, ticket: Ticket, *, request: HttpRequest | None, now: datetime | None = None
) -> dict[str, Any]:
    """Return the ticket as ``user`` may see it: the one reader's view (PRIVACY-2, PRIVACY-3).

    The keys are those of the API's ``TicketOut``; pages get two more per event
    (``actor_name``, the staff member's full name) that the API leaves out. Showing the
    citizen in full writes a ``citizen.view`` audit entry (``access.ticket_citizen_for_user``).
    """
    now = now or timezone.now()
    hidden = citizen_hidden_from(user, ticket)
    secrets = _secrets(ticket.citizen) if hidden else []
    deadlines = sorted(
        ticket.deadlines.select_related("assignment__unit").prefetch_related("changes"),
        key=clock_order_key,
    )
    assignments = ticket.assignments.filter(active=True).select_related("unit")
    attachments = list(ticket.attachments.all())
    names = {a.pk: a.name for a in attachments}
    events = []
    for e in ticket.events.select_related("actor"):
        note = e.note
        if e.action == ATTACHMENT_EVENT:
            # The file's name is the complainant's material: only for those who may see it.
            filed = (e.payload or {}).get("attachment")
            note = "" if hidden else names.get(filed, note) if isinstance(filed, int) else note
        events.append(
            {
                "at": e.at,
                "action": e.action,
                "actor": e.actor.get_full_name() or e.actor.username if e.actor else None,
                "actor_name": e.actor.full_name or e.actor.username if e.actor else None,
                "from_state": e.from_state,
                "to_state": e.to_state,
                "note": redact(note, secrets) if hidden else note,
                "payload": _redact_value(e.payload, secrets) if hidden else e.payload,
            }
        )
    return {
        "number": ticket.number,
        "state": ticket.state,
        "state_label": STATE_LABELS[State(ticket.state)],
        "version": ticket.version,
        "profile": ticket.profile,
        "channel": ticket.channel,
        "category": ticket.category,
        "content": redact(ticket.content, secrets) if hidden else ticket.content,
        "urgent": ticket.urgent,
        "complex": ticket.complex,
        "confidential": ticket.confidential,
        "address": redact(ticket.address, secrets) if hidden else ticket.address,
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
                "unit_name": d.assignment.unit.name if d.assignment else None,
                "start_at": d.start_at,
                "due_at": d.due_at,
                "warn_at": d.warn_at,
                "met_at": d.met_at,
                "light": d.light(now),
                "basis": d.basis,
                "provisional": d.provisional,
                "actor": clock_actor(ticket.profile, d.kind),
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
        "events": events,
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
            for a in attachments
        ],
        "related": ticket_related_for(user, ticket),
        "allowed_actions": svc.ticket_actions_for(user, ticket, now),
        "evaluation": ticket.evaluation,
        "return_window": _return_window_view(ticket, now),
        "citizen_notices": [
            _citizen_notice_view(n)
            for n in ticket.citizen_notices.select_related("unit", "deadline")
        ],
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


def extension_view(request_: Any) -> dict[str, Any]:
    """Return an extension request (HANDLE-5) as the API and pages show it."""
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


# ----------------------------------------------------------------------------- lists


@dataclass(frozen=True)
class TicketFilters:
    """The list filters, shared by ``GET /api/v1/tickets`` and the ticket list page."""

    state: str | None = None
    unit: str | None = None
    light: str | None = None
    category: str | None = None
    q: str | None = None
    #: Registered on or after this day / on or before this day (the centre's local days).
    registered_from: date | None = None
    registered_to: date | None = None


def tickets_search(user: User, tickets: QuerySet[Ticket], text: str) -> QuerySet[Ticket]:
    """Return ``tickets`` matching ``text``: number, content, address, the citizen's phone/name.

    PRIVACY-2: the citizen's phone and name are searched only on tickets where the citizen is
    not hidden from ``user``; and a ticket on which the citizen is hidden never matches text
    that is part of that citizen's phone or name, so a search cannot be used to ask "did this
    caller complain about us?".
    """
    text = text.strip()[:100]
    if not text:
        return tickets
    hidden = tickets_citizen_hidden_q(user)
    matches = Q(number__icontains=text) | Q(content__icontains=text) | Q(address__icontains=text)
    matches |= (Q(citizen__phone=text) | Q(citizen__name=text)) & ~hidden
    probes = Q(citizen__phone__contains=text) | Q(citizen__name__contains=text)
    return tickets.filter(matches).exclude(hidden & probes)


def tickets_filtered(user: User, filters: TicketFilters, now: datetime) -> QuerySet[Ticket]:
    """Return the user's tickets narrowed by the list filters (API and pages alike)."""
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
        tickets = tickets_search(user, tickets, filters.q)
    if filters.registered_from:
        tickets = tickets.filter(registered_at__gte=_day_start(filters.registered_from))
    if filters.registered_to:
        end = _day_start(filters.registered_to + timedelta(days=1))
        tickets = tickets.filter(registered_at__lt=end)
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


def _day_start(day: date) -> datetime:
    """Return 00:00 of ``day`` in the centre's time zone."""
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))


def ticket_rows(user: User, tickets: list[Ticket], now: datetime) -> list[dict[str, Any]]:
    """Return list rows for ``tickets`` with their light and next due time (three queries)."""
    ids = [t.pk for t in tickets]
    open_deadlines: dict[int, list[Deadline]] = {}
    for d in Deadline.objects.filter(ticket_id__in=ids, met_at__isnull=True):
        open_deadlines.setdefault(d.ticket_id, []).append(d)
    leads = {
        a.ticket_id: a.unit
        for a in Assignment.objects.filter(
            ticket_id__in=ids, active=True, role="lead"
        ).select_related("unit")
    }
    hidden_ids: set[int] = set()
    if not user.is_centre_staff:
        hidden_ids = set(
            Ticket.objects.filter(pk__in=ids)
            .filter(tickets_citizen_hidden_q(user))
            .values_list("pk", flat=True)
        )
    citizens: dict[int, list[str]] = {}
    if hidden_ids:
        citizens = {
            pk: [phone, name]
            for pk, phone, name in Ticket.objects.filter(pk__in=hidden_ids).values_list(
                "pk", "citizen__phone", "citizen__name"
            )
        }
    rows = []
    for t in tickets:
        mine = open_deadlines.get(t.pk, [])
        dues = [d.due_at for d in mine if d.due_at is not None]
        content = redact(t.content, citizens[t.pk]) if t.pk in hidden_ids else t.content
        rows.append(
            {
                "number": t.number,
                "state": t.state,
                "state_label": STATE_LABELS[State(t.state)],
                "category": t.category,
                "channel": t.channel,
                "content": mask_text(content[:120]),
                "urgent": t.urgent,
                "registered_at": t.registered_at,
                "lead_unit": lead.code if (lead := leads.get(t.pk)) else None,
                # Pages show people names, never codes (issue 19); the API keeps the code.
                "lead_unit_name": (lead.short_name or lead.name) if lead else None,
                "light": worst_light(mine, now),
                "next_due_at": min(dues) if dues else None,
            }
        )
    return rows


def ticket_text_for(user: User, ticket: Ticket | None, text: str) -> str:
    """Return text about ``ticket`` (a notification's title or body) as ``user`` may read it.

    For a reader the citizen is hidden from, the citizen's phone and name and the names of the
    ticket's attachments are blotted out (PRIVACY-2); phone numbers are masked for all
    (PRIVACY-3).
    """
    if ticket is not None and citizen_hidden_from(user, ticket):
        names = list(ticket.attachments.values_list("name", flat=True))
        text = redact(text, [*_secrets(ticket.citizen), *names])
    return mask_text(text)


def citizen_masked(citizen: Citizen | None) -> dict[str, str]:
    """Return the citizen's name and phone as lists show them (PRIVACY-3): masked, unaudited."""
    if citizen is None:
        return {"name": "", "phone": ""}
    return {"name": mask_name(citizen.name), "phone": citizen.masked_phone}


def clock_actor(profile: str, kind: str) -> str:
    """Return who must act on clock ``kind`` (the profile's ``clocks.<kind>.actor``)."""
    clocks = load_profile(profile).clocks
    if kind in clocks:
        return clocks[kind].actor
    return "centre" if kind == svc.TELL_CITIZEN else ""


def _return_window_view(ticket: Ticket, now: datetime) -> dict[str, Any] | None:
    """The window in which the lead unit may return the ticket: not a deadline (issue 12)."""
    if ticket.state not in (State.DISPATCHED, State.SIGNED, State.IN_PROGRESS):
        return None
    window = svc.return_window(ticket)
    if window is None:
        return None
    until = window.due_at
    return {"until": until, "open": until is None or now < until, "basis": window.basis}


def _citizen_notice_view(notice: CitizenNotice) -> dict[str, Any]:
    return {
        "id": notice.pk,
        "extension": notice.extension_id,
        "party": notice.party,
        "unit": notice.unit.code if notice.unit else None,
        "created_at": notice.created_at,
        "due_at": notice.deadline.due_at if notice.deadline else None,
        "told_at": notice.told_at,
        "told_by": notice.told_by_name,
        "how": notice.how,
        "note": notice.note,
    }
