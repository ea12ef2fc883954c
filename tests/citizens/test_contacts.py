"""Issue 19 items 2 and 3: the contact who calls, a bad number refused, a withheld one recorded."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from hotline.accounts.models import ApiToken
from hotline.citizens.models import Citizen
from hotline.core.errors import InvalidInput
from hotline.tickets import services as svc
from hotline.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def register(agent: Any, **extra: Any) -> Ticket:
    fields: dict[str, Any] = {
        "actor": agent,
        "channel": "phone",
        "category": "complaint",
        "content": "楼道灯坏了",
        "citizen_phone": "13800138000",
    }
    fields.update(extra)
    return svc.ticket_register(**fields)


@pytest.mark.req("INTAKE-5")
def test_a_name_typed_for_a_known_number_adds_a_contact_and_the_ticket_names_who_called(agent):
    """INTAKE-5: one phone serves a family; 李女士 calling from 张先生's number stays 李女士."""
    first = register(agent, citizen_name="张先生")
    second = register(agent, citizen_phone="138 0013 8000", citizen_name="李女士")
    assert first.citizen.name == "张先生"
    assert second.citizen.name == "李女士"
    assert second.citizen.phone == "13800138000"
    assert first.citizen_id != second.citizen_id
    assert Citizen.objects.filter(phone="13800138000").count() == 2
    again = register(agent, citizen_phone="13800138000", citizen_name="张先生")
    assert again.citizen_id == first.citizen_id  # picked, not duplicated


def test_a_call_without_a_name_is_not_put_on_a_named_member_of_the_family(agent):
    register(agent, citizen_name="张先生")
    register(agent, citizen_name="李女士")
    unnamed = register(agent)
    assert unnamed.citizen.name == ""
    assert register(agent).citizen_id == unnamed.citizen_id


def test_the_only_contact_of_a_number_is_used_and_named(agent):
    nameless = register(agent)
    named = register(agent, citizen_name="王女士")
    assert named.citizen_id == nameless.citizen_id
    assert Citizen.objects.get(pk=nameless.citizen_id).name == "王女士"
    assert register(agent).citizen_id == nameless.citizen_id


@pytest.mark.parametrize("bad", ["abc-12", "1380013800", "0755-123"])
def test_the_service_refuses_a_bad_number(agent, bad):
    with pytest.raises(InvalidInput) as refused:
        register(agent, citizen_phone=bad)
    assert refused.value.code == "invalid_phone"
    assert not Ticket.objects.exists()


def test_a_withheld_number_is_recorded_as_such(agent, client):
    ticket = register(agent, citizen_phone="", phone_withheld=True, citizen_name="匿名")
    assert ticket.citizen.phone == "" and ticket.citizen.phone_withheld
    other = register(agent, citizen_phone="", phone_withheld=True)
    assert other.citizen_id != ticket.citizen_id  # nothing ties two withheld calls together
    client.force_login(agent)
    html = client.get(f"/tickets/{ticket.number}/").content.decode()
    assert "未提供号码" in html


def api(user: Any) -> Client:
    _, raw = ApiToken.issue(user=user, name="test")
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def post(client: Client, body: dict[str, Any]) -> Any:
    return client.post("/api/v1/tickets", json.dumps(body), content_type="application/json")


CALL = {"channel": "phone", "category": "complaint", "content": "夜间施工噪音扰民"}


@pytest.mark.parametrize("bad", ["abc-12", "1380013800", "", "+12"])
def test_the_api_answers_a_bad_number_with_a_400_in_chinese(agent, bad):
    response = post(api(agent), {**CALL, "citizen": {"phone": bad, "name": "王女士"}})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_phone"
    assert "号码" in body["message"]
    assert not Ticket.objects.exists()


def test_the_api_stores_the_normalised_number_and_a_withheld_one(agent):
    client = api(agent)
    response = post(client, {**CALL, "citizen": {"phone": "+86 138-0013-8000", "name": "王女士"}})
    assert response.status_code == 201
    assert response.json()["citizen"]["phone"] == "13800138000"
    withheld = post(client, {**CALL, "citizen": {"withheld": True}})
    assert withheld.status_code == 201
    assert withheld.json()["citizen"]["phone_withheld"] is True


def test_the_caller_lookup_finds_a_number_however_it_is_typed(agent, client):
    register(agent, citizen_name="张先生")
    register(agent, citizen_name="李女士")
    client.force_login(agent)
    html = client.get("/desk/caller/", {"phone": "138-0013-8000"}).content.decode()
    assert "张先生" in html and "李女士" in html
    assert "2 位联系人" in html
