"""The supervision API contract (issue 13), driven with API tokens; unit scoping."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from hotline.accounts.models import ApiToken
from hotline.supervision import services as sup
from hotline.supervision.models import Form, Ground, Notice, Reminder
from tests.supervision.helpers import dispatch, register

pytestmark = pytest.mark.django_db


class Api:
    """A client that speaks JSON with a Bearer token."""

    def __init__(self, user: Any) -> None:
        _, raw = ApiToken.issue(user=user, name="test")
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"/api/v1{path}", params)

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        return self.client.post(
            f"/api/v1{path}", json.dumps(body or {}), content_type="application/json"
        )


@pytest.fixture
def ticket(use_profile, agent, unit):
    use_profile("shanghai-962200")
    t = register(agent)
    dispatch(agent, t, unit.code)
    return t


@pytest.mark.req("SUPERVISE-2", "SUPERVISE-3")
def test_the_order_contract(ticket, supervisor, unit_officer, outsider):
    boss, handler, other = Api(supervisor), Api(unit_officer), Api(outsider)
    body = {"ticket": ticket.number, "form": "on_site", "reason": "市领导批示事项"}

    assert handler.post("/supervision/orders", body).status_code == 403
    assert other.post("/supervision/orders", body).status_code == 404
    bad = boss.post("/supervision/orders", {**body, "form": "telepathy"})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_input"
    assert boss.post("/supervision/orders", {**body, "reason": ""}).status_code == 400

    created = boss.post("/supervision/orders", body)
    assert created.status_code == 201
    order = created.json()
    assert set(order) == {
        "id", "ticket", "trigger", "form", "owner", "state", "explanation_due_at"
    }  # fmt: skip
    assert order["ticket"] == ticket.number and order["state"] == "open"
    assert order["trigger"] == "manual" and order["owner"] == "管理办公室"
    assert order["explanation_due_at"].endswith("+08:00")
    again = boss.post("/supervision/orders", body)
    assert again.status_code == 409 and set(again.json()) >= {"code", "message"}

    listed = boss.get("/supervision/orders", ticket=ticket.number, state="open").json()
    assert [o["id"] for o in listed["results"]] == [order["id"]]
    assert boss.get("/supervision/orders", state="explained").json()["results"] == []
    assert boss.get("/supervision/orders", state="bogus").status_code == 400
    # Unit scoping: the unit sees its ticket's order, another unit sees nothing.
    assert [o["id"] for o in handler.get("/supervision/orders").json()["results"]] == [order["id"]]
    assert other.get("/supervision/orders").json()["results"] == []

    oid = order["id"]
    assert other.post(f"/supervision/orders/{oid}/explain", {"content": "x"}).status_code == 404
    assert boss.post(f"/supervision/orders/{oid}/explain", {"content": "x"}).status_code == 403
    explained = handler.post(f"/supervision/orders/{oid}/explain", {"content": "已现场处理"})
    assert explained.status_code == 200 and explained.json()["state"] == "explained"
    assert handler.post(f"/supervision/orders/{oid}/explain", {"content": "y"}).status_code == 409
    assert handler.post(f"/supervision/orders/{oid}/close", {"finding": "x"}).status_code == 403
    closed = boss.post(f"/supervision/orders/{oid}/close", {"finding": "整改到位"})
    assert closed.status_code == 200 and closed.json()["state"] == "closed"
    assert boss.post(f"/supervision/orders/{oid}/close", {"finding": "x"}).status_code == 409
    assert boss.post("/supervision/orders/999999/close", {"finding": "x"}).status_code == 404


@pytest.mark.req("SUPERVISE-1", "A16")
def test_the_reminder_contract_and_scoping(
    use_profile, agent, unit, unit_officer, outsider, supervisor
):
    use_profile("qilihe-96881")
    t = register(agent)
    dispatch(agent, t, unit.code)
    reply = t.deadlines.get(kind="reply")
    sup.reminders_issue(now=reply.due_at + timedelta(hours=1))
    handler, other, boss = Api(unit_officer), Api(outsider), Api(supervisor)

    rows = handler.get("/supervision/reminders", ticket=t.number).json()["results"]
    assert len(rows) == 1 and rows[0]["sequence"] == 1 and rows[0]["unit"] == unit.code
    assert len(boss.get("/supervision/reminders").json()["results"]) == 1
    assert other.get("/supervision/reminders").json()["results"] == []
    rid = rows[0]["id"]
    assert other.post(f"/supervision/reminders/{rid}/reason", {"reason": "x"}).status_code == 404
    ack = handler.post(f"/supervision/reminders/{rid}/acknowledge")
    assert ack.status_code == 200 and ack.json()["acknowledged_at"]
    done = handler.post(f"/supervision/reminders/{rid}/reason", {"reason": "待上级部门批复"})
    assert done.status_code == 200 and done.json()["reason"] == "待上级部门批复"
    assert handler.post(f"/supervision/reminders/{rid}/reason", {"reason": "x"}).status_code == 409
    assert Reminder.objects.get(pk=rid).reason


@pytest.mark.req("SUPERVISE-4", "V5")
def test_the_notice_contract(supervisor, unit_officer, unit, other_unit):
    boss, handler = Api(supervisor), Api(unit_officer)
    body = {
        "units": [unit.code, other_unit.code],
        "period_start": "2026-10-01",
        "period_end": "2026-10-31",
        "ground": "tj31_2",
        "text": "经督办仍未办结，且无正当理由，予以通报。",
    }
    assert handler.post("/supervision/notices", body).status_code == 403
    assert boss.post("/supervision/notices", {**body, "ground": "none"}).status_code == 400
    assert boss.post("/supervision/notices", {**body, "units": ["NOPE"]}).status_code == 404
    assert (
        boss.post("/supervision/notices", {**body, "period_end": "2026-09-01"}).status_code == 400
    )
    created = boss.post("/supervision/notices", body)
    assert created.status_code == 201
    assert created.json()["units"] == sorted([unit.code, other_unit.code])
    assert Notice.objects.get().ground == "tj31_2"
    assert len(handler.get("/supervision/notices").json()["results"]) == 1


def test_the_schemas_offer_exactly_the_models_choices():
    from typing import get_args

    from hotline.supervision.api import FormCode, GroundCode

    assert set(get_args(FormCode)) == set(Form.values)
    assert set(get_args(GroundCode)) == set(Ground.values)
