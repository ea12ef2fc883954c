from __future__ import annotations

import pytest
from django.urls import reverse

from hotline.core.audit import audit_record
from hotline.core.models import AppendOnlyError, AuditEntry

pytestmark = pytest.mark.django_db


def test_audit_entries_cannot_be_changed(agent):
    entry = audit_record(actor=agent, action="citizen.view")
    entry.action = "something.else"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().update(action="x")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get().action == "citizen.view"


def test_centre_admin_reads_and_filters_the_audit_log(client, centre_admin, agent, supervisor):
    audit_record(actor=agent, action="citizen.view")
    audit_record(actor=supervisor, action="token.create")
    client.force_login(centre_admin)
    page = client.get(reverse("core:audit"), {"actor": "agent"}).content.decode()
    assert 'class="action">citizen.view' in page
    assert 'class="action">token.create' not in page
    page = client.get(reverse("core:audit"), {"action": "token"}).content.decode()
    assert 'class="action">token.create' in page
    assert 'class="action">citizen.view' not in page


def test_other_centre_roles_cannot_read_the_audit_log(client, agent):
    client.force_login(agent)
    assert client.get(reverse("core:audit")).status_code == 403


def test_audit_log_is_read_only_in_the_admin(client, centre_admin, agent):
    entry = audit_record(actor=agent, action="citizen.view")
    client.force_login(centre_admin)
    assert client.get("/admin/core/auditentry/").status_code == 200
    response = client.post(f"/admin/core/auditentry/{entry.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert AuditEntry.objects.count() == 1
