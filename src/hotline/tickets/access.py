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
from hotline.tickets.models import Assignment, Ticket

if TYPE_CHECKING:
    from hotline.accounts.models import User


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


def ticket_get_for_user(user: User, number: str, *, for_update: bool = False) -> Ticket:
    """Return the ticket ``number`` if the user may see it; otherwise raise ``NotFound``."""
    ticket = (
        tickets_visible_to(user)
        .select_related("citizen", "area", "complained_unit")
        .filter(number=number)
        .first()
    )
    if ticket is None:
        raise NotFound("工单不存在或您无权查看。")
    return ticket


def citizen_hidden_from(user: User, ticket: Ticket) -> bool:
    """Return True when ``user`` must not learn who the citizen is (PRIVACY-2)."""
    if user.is_centre_staff:
        return False
    if ticket.confidential:
        return True
    complained = ticket.complained_unit
    if complained is None or user.unit is None:
        return False
    # The unit complained about, its parents and its sub-units are all "the unit complained about".
    return user.unit.path.startswith(complained.path) or complained.path.startswith(user.unit.path)


def tickets_citizen_hidden_q(user: User) -> models.Q | None:
    """Return a filter for the tickets on which the citizen is hidden from ``user``.

    ``None`` when nothing is hidden from the user (centre staff). The queryset form of
    ``citizen_hidden_from``: confidential tickets, and tickets complaining about the user's
    unit, one of its parents or one of its sub-units (PRIVACY-2).
    """
    if user.is_centre_staff:
        return None
    q = models.Q(confidential=True)
    unit = user.unit
    if unit is not None:
        # Parents of the user's unit are the path's prefixes: /A/, /A/B/, ... (codes).
        parts = [p for p in unit.path.split("/") if p]
        prefixes = ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]
        q |= models.Q(complained_unit__path__in=prefixes)
        q |= models.Q(complained_unit__path__startswith=unit.path)
    return q


def tickets_with_citizen_visible_to(user: User) -> models.QuerySet[Ticket]:
    """Return the tickets the user may see on which the citizen is not hidden from them."""
    tickets = tickets_visible_to(user)
    hidden = tickets_citizen_hidden_q(user)
    return tickets if hidden is None else tickets.exclude(hidden)


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
    # PRIVACY-2: an earlier ticket on which this citizen is hidden from the reader (a complaint
    # about the reader's unit, a confidential call) is left out entirely, so that this ticket
    # never reveals who made that one.
    earlier = (
        tickets_with_citizen_visible_to(user)
        .filter(citizen=citizen)
        .exclude(pk=ticket.pk)
        .order_by("-registered_at")
        .values("number", "state", "registered_at")
    )
    return {
        "hidden": False,
        "id": citizen.pk,
        "phone": citizen.phone,
        "name": citizen.name,
        "address": citizen.address,
        # INTAKE-5: the caller's history, as far as this user may see it (repeat calls stand out)
        # and only where the citizen is not hidden from this user.
        "earlier_tickets": list(earlier[:10]),
        "earlier_count": earlier.count(),
    }
