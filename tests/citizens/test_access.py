"""PRIVACY-3: every read of a citizen's personal data by staff is accountable."""

from __future__ import annotations

import pytest
from django.urls import reverse

from hotline.core.models import AuditEntry
from tests.factories import CitizenFactory

pytestmark = pytest.mark.django_db


@pytest.mark.req("PRIVACY-3")
def test_reading_a_citizen_page_writes_an_audit_entry(client, agent):
    """PRIVACY-3: the page read is logged with who, what and when."""
    citizen = CitizenFactory(name="王女士", phone="13900001234")
    client.force_login(agent)
    response = client.get(reverse("citizens:detail", args=[citizen.pk]))
    assert response.status_code == 200
    assert "13900001234" in response.content.decode()
    entry = AuditEntry.objects.get()
    assert entry.actor == agent
    assert entry.action == "citizen.view"
    assert entry.object_type == "citizens.citizen"
    assert entry.object_id == str(citizen.pk)
    assert entry.channel == "web"


@pytest.mark.req("PRIVACY-3")
def test_reading_a_citizen_through_the_api_writes_an_audit_entry(client, agent):
    """PRIVACY-3: the API read is logged too."""
    citizen = CitizenFactory()
    client.force_login(agent)
    response = client.get(f"/api/v1/citizens/{citizen.pk}")
    assert response.status_code == 200
    assert response.json()["phone"] == citizen.phone
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.channel, entry.actor_username) == ("citizen.view", "api", "agent")


@pytest.mark.req("PRIVACY-3")
def test_a_caller_lookup_logs_each_record_shown(client, agent):
    """PRIVACY-3: looking a caller up by phone shows personal data, so it is logged."""
    CitizenFactory(phone="13900005555")
    client.force_login(agent)
    response = client.get("/api/v1/citizens", {"phone": "13900005555"})
    assert len(response.json()) == 1
    assert AuditEntry.objects.filter(action="citizen.view").count() == 1


@pytest.mark.req("PRIVACY-1")
def test_unit_staff_cannot_browse_the_citizen_records(client, unit_officer):
    """PRIVACY-1: the CRM is not open to handling units; nothing is shown or logged."""
    citizen = CitizenFactory()
    client.force_login(unit_officer)
    assert client.get(reverse("citizens:detail", args=[citizen.pk])).status_code == 404
    assert client.get(f"/api/v1/citizens/{citizen.pk}").status_code == 404
    assert client.get("/api/v1/citizens", {"phone": citizen.phone}).json() == []
    assert not AuditEntry.objects.exists()


def test_citizen_string_masks_the_phone():
    citizen = CitizenFactory.build(name="李先生", phone="13912345678")
    assert str(citizen) == "李先生 139****5678"
