"""The only way views and API endpoints obtain a citizen record; every read is audited."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models, transaction
from django.http import HttpRequest

from hotline.citizens.models import Citizen
from hotline.citizens.phones import phone_normalise_or_none
from hotline.core.audit import audit_record
from hotline.core.errors import NotFound

if TYPE_CHECKING:
    from hotline.accounts.models import User


def citizens_visible_to(user: User) -> models.QuerySet[Citizen]:
    """Return the citizen records the user may read.

    Centre staff read the CRM (``citizen.view``). Unit staff reach a citizen only through a
    ticket dispatched to their unit, subject to PRIVACY-2; that path belongs to the tickets app.
    """
    if user.is_authenticated and user.can("citizen.view"):
        return Citizen.objects.all()
    return Citizen.objects.none()


def citizen_get_for_user(user: User, citizen_id: int, *, request: HttpRequest | None) -> Citizen:
    """Return the citizen if ``user`` may read it, writing the read to the audit log (PRIVACY-3).

    Raises ``NotFound`` for a record that does not exist or is out of the user's reach.
    """
    citizen = citizens_visible_to(user).filter(pk=citizen_id).first()
    if citizen is None:
        raise NotFound()
    with transaction.atomic():
        audit_record(actor=user, action="citizen.view", obj=citizen, request=request)
    return citizen


def citizen_search_for_user(
    user: User, *, phone: str, request: HttpRequest | None
) -> list[Citizen]:
    """Return the contacts sharing this phone number (an agent's caller lookup), oldest first,
    auditing the read. The number may be typed in any form ``phones.phone_normalise`` accepts."""
    number = phone_normalise_or_none(phone) or phone.strip()
    found = list(
        citizens_visible_to(user).filter(phone=number, phone_withheld=False).order_by("id")[:20]
    )
    if found:
        with transaction.atomic():
            for citizen in found:
                audit_record(
                    actor=user,
                    action="citizen.view",
                    obj=citizen,
                    request=request,
                    detail={"via": "phone_lookup"},
                )
    return found
