"""The market-service API contract (issue 16), driven with API tokens."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from hotline.accounts.models import ApiToken
from hotline.franchise.models import Franchisee
from hotline.tickets import services as tsvc
from tests.factories import UserFactory
from tests.franchise.conftest import make_franchisee

pytestmark = pytest.mark.django_db


class Api:
    def __init__(self, user: Any) -> None:
        _, raw = ApiToken.issue(user=user, name="test")
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"/api/v1{path}", params)

    def post(self, path: str, body: Any = None) -> Any:
        return self.client.post(
            f"/api/v1{path}",
            json.dumps(body if body is not None else {}),
            content_type="application/json",
        )


@pytest.fixture
def world(agent, areas):
    today = timezone.localdate()
    one = make_franchisee("F1", base=areas["C11"], valid_until=today + timedelta(days=300))
    two = make_franchisee(
        "F2",
        base=areas["C11"],
        services=["cleaning", "moving"],
        credit=70,
        valid_until=today + timedelta(days=300),
    )
    for f in (one, two):
        f.agreements.update(valid_from=today - timedelta(days=10))
    ticket = tsvc.ticket_register(
        actor=agent,
        channel="phone",
        category="help",
        content="需要上门保洁",
        citizen_phone="13900002222",
        area_code="C11",
    )
    return {"one": one, "two": two, "ticket": ticket}


@pytest.mark.req("DISPATCH-7", "PUBLISH-2")
def test_the_franchisee_list_contract(world, agent):
    Franchisee.objects.filter(pk=world["two"].pk).update(status="blacklisted")
    body = Api(agent).get("/market/franchisees", service="cleaning", area="C11").json()
    assert body["results"][0] == {
        "code": "F1",
        "name": "F1家政服务有限公司",
        "services": ["cleaning"],
        "stars": 4,
        "credit": 85,
        "blacklisted": False,
    }
    assert [r["code"] for r in body["results"]] == ["F1", "F2"]
    assert body["results"][1]["blacklisted"] is True
    moving = Api(agent).get("/market/franchisees", service="moving").json()["results"]
    assert [r["code"] for r in moving] == ["F2"]
    bad = Api(agent).get("/market/franchisees", service="flying")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_input"
    assert Api(agent).get("/market/franchisees", area="NOPE").status_code == 400


@pytest.mark.req("DISPATCH-5", "DISPATCH-7", "FRANCHISE-3", "O3")
def test_dispatch_accept_report_contract(world, agent, unit_officer):
    number = world["ticket"].number
    worker_one = UserFactory(username="franchise1", unit=world["one"].unit, roles=["unit_handler"])
    worker_two = UserFactory(username="franchise2", unit=world["two"].unit, roles=["unit_handler"])

    assert (
        Api(unit_officer)
        .post(f"/tickets/{number}/market-dispatch", {"service": "cleaning"})
        .status_code
        == 404
    )
    bad = Api(agent).post(f"/tickets/{number}/market-dispatch", {"service": "flying"})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_input"
    assert Api(agent).post(f"/tickets/{number}/market-dispatch", []).status_code == 400

    answer = Api(agent).post(f"/tickets/{number}/market-dispatch", {"service": "cleaning"})
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["offered_to"] == "F1"
    assert body["order"] == ["F1", "F2"]
    assert set(body["reasons"]) == {"F1", "F2"}
    again = Api(agent).post(f"/tickets/{number}/market-dispatch", {"service": "cleaning"})
    assert again.status_code == 409

    assert Api(worker_two).post(f"/tickets/{number}/market-accept").status_code == 404
    early = Api(worker_one).post(
        f"/tickets/{number}/market-report",
        {
            "price": "80",
            "agreed_at": "2026-01-01T10:00:00+08:00",
            "served_at": "2026-01-01T12:00:00+08:00",
            "note": "x",
        },
    )
    assert early.status_code == 409
    accepted = Api(worker_one).post(f"/tickets/{number}/market-accept")
    assert accepted.status_code == 200 and accepted.json()["state"] == "accepted"
    ticket = Api(worker_one).get(f"/tickets/{number}").json()
    assert ticket["state"] == "signed"

    now = timezone.now()
    report = {
        "price": "150.50",
        "agreed_at": (now - timedelta(hours=2)).isoformat(),
        "served_at": (now - timedelta(hours=1)).isoformat(),
        "note": "保洁完成，居民在场验收",
    }
    wrong = Api(worker_one).post(f"/tickets/{number}/market-report", {**report, "price": "-1"})
    assert wrong.status_code == 400
    backwards = {**report, "served_at": (now - timedelta(hours=3)).isoformat()}
    assert Api(worker_one).post(f"/tickets/{number}/market-report", backwards).status_code == 400
    done = Api(worker_one).post(f"/tickets/{number}/market-report", report)
    assert done.status_code == 200, done.content
    assert done.json()["state"] == "reported" and done.json()["price"] == "150.50"
    assert Api(agent).get(f"/tickets/{number}").json()["state"] == "replied"
