"""Writing citizen records: the contact who calls (INTAKE-5).

One number may serve a family: the contacts of a number are the citizens sharing it, each with
their own name. ``citizen_for_call`` picks the contact who is calling, or adds one, so that the
ticket records who actually called instead of silently reusing the name already stored.
"""

from __future__ import annotations

from django.db import transaction

from hotline.citizens.models import Citizen
from hotline.citizens.phones import InvalidPhone, phone_normalise
from hotline.core.errors import InvalidInput


def citizen_phone_clean(phone: str) -> str:
    """Return the stored form of ``phone``; raise ``InvalidInput`` (a 400) saying what is wrong."""
    try:
        return phone_normalise(phone)
    except InvalidPhone as exc:
        raise InvalidInput(exc.message, code="invalid_phone") from None


def citizen_for_call(*, phone: str, name: str = "", withheld: bool = False) -> Citizen:
    """Return the contact who is calling from ``phone``, creating it if needed.

    - withheld: a new anonymous record each time (nothing ties two such calls together);
    - a name: the contact of that number with that name; else the number's only nameless
      contact gets the name; else a new contact is added to the number;
    - no name: the number's only contact, or its nameless one (added if missing), so a call
      is never attributed to a named member of the family who did not make it.

    Raises ``InvalidInput`` for a number that is not valid (``phones.phone_normalise``).
    """
    name = (name or "").strip()
    if withheld:
        return Citizen.objects.create(phone="", phone_withheld=True, name=name)
    number = citizen_phone_clean(phone)
    # No savepoint of its own inside the caller's transaction (the registration's): nothing
    # here is caught and retried, so a failure fails the caller's transaction as a whole.
    with transaction.atomic(savepoint=False):
        contacts = list(
            Citizen.objects.select_for_update()
            .filter(phone=number, phone_withheld=False)
            .order_by("id")
        )
        if name:
            same = next((c for c in contacts if c.name == name), None)
            if same is not None:
                return same
            nameless = [c for c in contacts if not c.name]
            if len(contacts) == 1 and nameless:
                contact = nameless[0]
                Citizen.objects.filter(pk=contact.pk).update(name=name)
                contact.name = name
                return contact
            return Citizen.objects.create(phone=number, name=name)
        if len(contacts) == 1:
            return contacts[0]
        anonymous = next((c for c in contacts if not c.name), None)
        return anonymous or Citizen.objects.create(phone=number)
