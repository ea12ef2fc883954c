"""The only way pages and API endpoints obtain tickets, and what of the citizen they may show.

- Centre staff reach every ticket.
- Unit staff reach the tickets dispatched to their unit (lead or assisting, now or before); a
  unit administrator also those of its sub-units (``accounts.scope``). Anything else is
  reported exactly like a missing ticket.
- PRIVACY-2: the complainant's identity and materials never reach the unit complained about,
  nor any unit when the ticket is confidential. Every read of a citizen's identity through a
  ticket is audited (PRIVACY-3).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models, transaction
from django.http import HttpRequest

from hotline.accounts.scope import unit_scope_paths
from hotline.core.audit import audit_record
from hotline.core.errors import NotFound
from hotline.core.masking import redact
from hotline.tickets.models import Assignment, Ticket

if TYPE_CHECKING:
    from hotline.accounts.models import User
    from hotline.directory.models import Unit


def tickets_visible_to(user: User) -> models.QuerySet[Ticket]:
    """Return the tickets the user may see."""
    paths = unit_scope_paths(user)
    tickets = Ticket.objects.all()
    if paths is None:
        return tickets
    if not paths:
        return tickets.none()
    assignments = Assignment.objects.all()
    if user.can("unit.subunits"):
        q = models.Q()
        for path in paths:
            q |= models.Q(unit__path__startswith=path)
        assignments = assignments.filter(q)
    else:
        assignments = assignments.filter(unit=user.unit)
    return tickets.filter(pk__in=assignments.values("ticket_id"))


#: Where ``lead_of`` keeps the lead it read on the ticket instance, with the version it is for.
LEAD_CACHE = "_lead_at_version"


def lead_known(ticket: Ticket, lead: Assignment | None) -> None:
    """Remember ``lead`` as the ticket's active lead at its current version."""
    ticket.__dict__[LEAD_CACHE] = (ticket.version, lead)


def lead_if_known(ticket: Ticket) -> Assignment | None:
    """Return the lead ``lead_of`` keeps for the ticket's version, or None: no query."""
    cached = ticket.__dict__.get(LEAD_CACHE)
    if cached is not None and cached[0] == ticket.version:
        found: Assignment | None = cached[1]
        return found
    return None


def lead_of(ticket: Ticket) -> Assignment | None:
    """Return the active lead assignment (with its unit), read once per ticket version.

    The lead changes only in an action that moves the ticket (dispatch, redispatch, redo,
    return), each of which bumps ``version``: a lead kept for the instance's version is the
    lead, or the action's optimistic lock fails with ``Conflict`` anyway. ``ticket_get_for_user``
    reads it in the ticket's own query.
    """
    cached = ticket.__dict__.get(LEAD_CACHE)
    if cached is not None and cached[0] == ticket.version:
        found: Assignment | None = cached[1]
        return found
    lead = (
        ticket.assignments.filter(active=True, role=Assignment.Role.LEAD)
        .select_related("unit")
        .first()
    )
    lead_known(ticket, lead)
    return lead


def ticket_get_for_user(user: User, number: str, *, for_update: bool = False) -> Ticket:
    """Return the ticket ``number`` if the user may see it; otherwise raise ``NotFound``.

    One query reads the ticket with its citizen, area, complained unit and its active lead
    assignment and unit (what the actions' checks need, see ``lead_of``).
    """
    ticket = (
        tickets_visible_to(user)  # type: ignore[misc]  # the stubs miss FilteredRelation joins
        .annotate(
            active_lead=models.FilteredRelation(
                "assignments",
                condition=models.Q(
                    assignments__active=True, assignments__role=Assignment.Role.LEAD
                ),
            )
        )
        .select_related("citizen", "area", "complained_unit", "active_lead__unit")
        .filter(number=number)
        .first()
    )
    if ticket is None:
        raise NotFound("工单不存在或您无权查看。")
    lead_known(ticket, getattr(ticket, "active_lead", None))  # None: no row joined
    return ticket


def citizen_hidden_from(user: User, ticket: Ticket) -> bool:
    """Return True when ``user`` must not learn who the citizen is (PRIVACY-2)."""
    if user.is_centre_staff:
        return False
    return citizen_hidden_from_unit(ticket, user.unit)


def citizen_hidden_from_unit(ticket: Ticket, unit: Unit | None) -> bool:
    """Return True when the users of handling ``unit`` must not learn who the citizen is."""
    if ticket.confidential:
        return True
    complained = ticket.complained_unit
    if complained is None or unit is None:
        return False
    # The unit complained about, its parents and its sub-units are all "the unit complained about".
    return unit.path.startswith(complained.path) or complained.path.startswith(unit.path)


def ticket_text_for_unit(ticket: Ticket, unit: Unit | None, text: str) -> str:
    """Return text written about ``ticket`` for ``unit`` (a notification), PRIVACY-2 applied.

    When the citizen is hidden from the unit, the citizen's phone and name are blotted out.
    """
    if not citizen_hidden_from_unit(ticket, unit):
        return text
    citizen = ticket.citizen
    return redact(text, [citizen.phone, citizen.name])


def _ancestor_paths(path: str) -> list[str]:
    """Return ``/A/B/C/`` and every path above it: ``/A/``, ``/A/B/``, ``/A/B/C/``."""
    codes = [code for code in path.split("/") if code]
    return ["/" + "/".join(codes[: i + 1]) + "/" for i in range(len(codes))]


def tickets_citizen_hidden_q(user: User) -> models.Q:
    """Return the filter matching the tickets on which ``user`` must not learn the citizen.

    The same rule as ``citizen_hidden_from``, as a query: confidential tickets, and tickets
    complained about a unit on the user's unit's line (itself, a parent, a sub-unit). Matches
    nothing for centre staff.
    """
    if user.is_centre_staff:
        return models.Q(pk__in=[])
    q = models.Q(confidential=True)
    if user.unit is not None:
        q |= models.Q(complained_unit__path__in=_ancestor_paths(user.unit.path))
        q |= models.Q(complained_unit__path__startswith=user.unit.path)
    return q


def ticket_citizen_for_user(
    user: User, ticket: Ticket, *, request: HttpRequest | None
) -> dict[str, Any]:
    """Return the citizen as the user may see it, auditing a read of personal data."""
    if citizen_hidden_from(user, ticket):
        return {"hidden": True, "phone": None, "name": None, "address": None}
    citizen = ticket.citizen
    with transaction.atomic():
        audit_record(
            actor=user,
            action="citizen.view",
            obj=citizen,
            request=request,
            detail={"via": "ticket", "ticket": ticket.number},
        )
    # PRIVACY-2: an earlier ticket on which this citizen is hidden from the user (a complaint
    # about the user's unit, a confidential call) is left out, so that the user never learns
    # through this ticket that the same person made that one.
    earlier = (
        tickets_visible_to(user)
        .filter(citizen=citizen)
        .exclude(pk=ticket.pk)
        .exclude(tickets_citizen_hidden_q(user))
        .order_by("-registered_at")
        .values("number", "state", "registered_at")
    )
    return {
        "hidden": False,
        "id": citizen.pk,
        "phone": citizen.phone,
        "phone_withheld": citizen.phone_withheld,
        "name": citizen.name,
        "address": citizen.address,
        # INTAKE-5: the caller's history, as far as this user may see it (repeat calls stand out)
        # and only where the citizen is not hidden from this user.
        "earlier_tickets": list(earlier[:10]),
        "earlier_count": earlier.count(),
    }
