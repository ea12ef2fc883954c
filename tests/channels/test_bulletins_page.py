"""The staff page of published information (PUBLISH-1, PUBLISH-3): the centre and every unit
publish with an area and a validity period, withdraw their own, and the desk shows it at once."""

from __future__ import annotations

import pytest
from django.test import Client

from hotline.channels.models import Bulletin
from hotline.core.models import AuditEntry

FORM = {
    "kind": "outage",
    "title": "东门街道明日停水",
    "body": "因管网维修，明日 8:00–18:00 东门街道停水。",
    "area": "",
    "valid_from": "2026-11-28T08:00",
    "valid_until": "2099-11-29T18:00",
    "public": "1",
}


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.req("PUBLISH-1")
def test_a_unit_publishes_and_the_desk_shows_it(unit_officer, agent):
    page = _client(unit_officer)
    response = page.post("/bulletins/", FORM)
    assert response.status_code == 302
    row = Bulletin.objects.get()
    assert row.unit == unit_officer.unit and row.public and row.kind == "outage"
    assert AuditEntry.objects.filter(action="bulletin.publish").exists()
    listed = page.get("/bulletins/").content.decode()
    assert "东门街道明日停水" in listed and "撤回" in listed
    desk = _client(agent).get("/desk/bulletins/").content.decode()
    assert "东门街道明日停水" in desk


@pytest.mark.req("PUBLISH-3")
def test_bad_input_keeps_what_was_typed_and_says_what_is_wrong(unit_officer):
    page = _client(unit_officer)
    bad = {**FORM, "valid_until": "2026-11-27T08:00"}
    response = page.post("/bulletins/", bad)
    text = response.content.decode()
    assert response.status_code == 400
    assert "有效期的结束须晚于开始" in text and "因管网维修" in text
    missing = page.post("/bulletins/", {**FORM, "valid_from": ""})
    assert missing.status_code == 400 and "请填写有效期" in missing.content.decode()
    assert not Bulletin.objects.exists()


def test_a_unit_withdraws_its_own_but_not_another_units(unit_officer, outsider, supervisor):
    _client(unit_officer).post("/bulletins/", FORM)
    row = Bulletin.objects.get()
    other = _client(outsider)
    assert "东门街道明日停水" not in other.get("/bulletins/").content.decode()
    assert other.post("/bulletins/", {"action": "withdraw", "id": row.pk}).status_code == 400
    row.refresh_from_db()
    assert row.valid_until.year == 2099
    # The centre may withdraw any unit's information; the desk no longer shows it.
    boss = _client(supervisor)
    assert boss.post("/bulletins/", {"action": "withdraw", "id": row.pk}).status_code == 302
    row.refresh_from_db()
    assert row.valid_until.year != 2099
    assert "东门街道明日停水" not in boss.get("/desk/bulletins/").content.decode()
