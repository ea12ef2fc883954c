"""Help under an action's field on the ticket page: what the regulation offers as wording."""

from __future__ import annotations

import pytest
from django.test import Client

from hotline.tickets import services as svc

pytestmark = pytest.mark.django_db


@pytest.mark.req("HANDLE-5")
def test_the_extension_form_offers_the_grounds_the_regulation_names(
    centre, agent, unit, unit_officer
):
    """The profile's extension grounds (national: 情况复杂、办理工作量大 …) appear under the
    reason field; form help texts are shown on the ticket page."""
    ticket = svc.ticket_register(
        actor=agent,
        channel="phone",
        category="help",
        content="路灯坏了",
        citizen_phone="13900001234",
    )
    svc.ticket_dispatch(actor=agent, ticket=ticket, unit_code=unit.code)
    svc.ticket_sign(actor=unit_officer, ticket=ticket)
    client = Client()
    client.force_login(unit_officer)
    page = client.get(f"/tickets/{ticket.number}/").text
    assert 'id="act-extension_request"' in page
    assert "情况复杂、办理工作量大、在规定时限内不能办结" in page
