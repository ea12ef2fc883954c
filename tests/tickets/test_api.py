"""The ticket API contract (issue 5 §5), driven with API tokens as outside systems do."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from hotline.accounts.models import ApiToken
from hotline.core.models import AuditEntry
from hotline.tickets.models import Ticket

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


COMPLAINT = {
    "channel": "phone",
    "category": "complaint",
    "content": "小区旁工地夜间施工噪音扰民，已持续一周",
    "citizen": {"phone": "13900001111", "name": "王女士"},
    "address": "澜溪区滨江路18号",
}


@pytest.fixture
def agent_api(agent):
    return Api(agent)


@pytest.fixture
def unit_api(unit_officer):
    return Api(unit_officer)


def _register(api: Api, **extra: Any) -> dict[str, Any]:
    response = api.post("/tickets", {**COMPLAINT, **extra})
    assert response.status_code == 201, response.json()
    return response.json()


def test_register_returns_the_number_state_and_dispatch_clock(agent_api):
    body = _register(agent_api)
    assert body["state"] == "registered"
    assert body["number"].startswith(timezone.localdate().strftime("%Y%m%d") + "-")
    kinds = {d["kind"]: d for d in body["deadlines"]}
    assert kinds["dispatch"]["light"] == "normal" and kinds["dispatch"]["due_at"]
    assert body["events"][0]["action"] == "ticket.registered"
    assert body["citizen"]["phone"] == "13900001111"
    assert "dispatch" in body["allowed_actions"]


@pytest.mark.req("HANDLE-4")
@pytest.mark.req("CALLBACK-3")
def test_the_whole_lifecycle_through_the_api(
    agent, agent_api, unit_api, unit, callback_agent, inspector
):
    number = _register(agent_api)["number"]
    r = agent_api.post(f"/tickets/{number}/dispatch", {"unit": unit.code, "note": "请尽快处理"})
    assert r.status_code == 200 and r.json()["state"] == "dispatched"
    assert r.json()["units"][0]["code"] == unit.code
    assert {d["kind"] for d in r.json()["deadlines"]} >= {"sign_for", "reply"}
    assert unit_api.post(f"/tickets/{number}/sign").json()["state"] == "signed"
    r = unit_api.post(f"/tickets/{number}/contact", {"note": "已电话联系王女士"})
    assert r.json()["state"] == "in_progress"
    r = unit_api.post(
        f"/tickets/{number}/reply",
        {"content": "已责令工地夜间停工", "citizen_satisfaction": "satisfied"},
    )
    assert r.json()["state"] == "replied"
    callback = Api(callback_agent)
    r = callback.post(f"/tickets/{number}/callback", {"result": "dissatisfied", "note": "仍有噪音"})
    assert r.json()["state"] == "dissatisfied"
    assert Api(inspector).post(f"/tickets/{number}/redo").json()["state"] == "dispatched"
    unit_api.post(f"/tickets/{number}/sign")
    unit_api.post(f"/tickets/{number}/reply", {"content": "已处罚并停工"})
    assert callback.post(f"/tickets/{number}/callback", {"result": "satisfied"}).status_code == 200
    r = callback.post(f"/tickets/{number}/close", {"note": "市民满意"})
    assert r.json()["state"] == "closed"
    assert all(d["met_at"] for d in r.json()["deadlines"])
    actions = [e["action"] for e in r.json()["events"]]
    assert actions[0] == "ticket.registered" and actions[-1] == "ticket.closed"
    assert actions.count("ticket.called_back") == 2


def test_illegal_actions_are_refused_with_a_code_and_change_nothing(agent_api, unit_api, unit):
    number = _register(agent_api)["number"]
    r = agent_api.post(f"/tickets/{number}/sign")  # not dispatched yet
    assert r.status_code == 409
    assert r.json()["code"] == "transition_not_allowed" and "不能签收" in r.json()["message"]
    agent_api.post(f"/tickets/{number}/dispatch", {"unit": unit.code})
    r = agent_api.post(f"/tickets/{number}/sign")  # the centre cannot sign for the unit
    assert r.status_code == 403 and r.json()["code"] == "role_not_allowed"
    r = unit_api.post(f"/tickets/{number}/return", {"reason": "不属本单位职责"})
    assert r.status_code == 400 and r.json()["code"] == "invalid_input"
    r = agent_api.post(f"/tickets/{number}/dispatch", {"unit": unit.code})
    assert r.status_code == 409
    detail = agent_api.get(f"/tickets/{number}").json()
    assert detail["state"] == "dispatched"
    assert [e["action"] for e in detail["events"]] == ["ticket.registered", "ticket.dispatched"]


def test_bad_registrations_get_clear_errors(agent_api):
    r = agent_api.post("/tickets", {**COMPLAINT, "category": "gossip"})
    assert r.status_code == 400 and "诉求类别" in r.json()["message"]
    r = agent_api.post("/tickets", {**COMPLAINT, "content": "   "})
    assert r.status_code == 400
    r = agent_api.post("/tickets", {"category": "help"})
    assert r.status_code == 400 and r.json()["code"] == "invalid_input"
    r = agent_api.post("/tickets", {**COMPLAINT, "area_code": "NOWHERE"})
    assert r.status_code == 400
    assert not Ticket.objects.exists()


@pytest.mark.req("SLA-3")
def test_a_statutory_deadline_replaces_the_reply_limit(agent_api, unit):
    due = (timezone.now() + timedelta(days=20)).replace(microsecond=0)
    number = _register(
        agent_api, deadline={"due_at": due.isoformat(), "basis": "《政府信息公开条例》第三十三条"}
    )["number"]
    body = agent_api.post(f"/tickets/{number}/dispatch", {"unit": unit.code}).json()
    reply = next(d for d in body["deadlines"] if d["kind"] == "reply")
    assert reply["basis"] == "《政府信息公开条例》第三十三条"
    assert reply["due_at"].startswith(timezone.localtime(due).strftime("%Y-%m-%dT%H:%M"))


@pytest.mark.req("INTAKE-5")
def test_a_repeat_caller_comes_with_their_earlier_tickets(agent_api):
    first = _register(agent_api)["number"]
    second = _register(agent_api, content="噪音问题还是没有解决，第二次反映")
    assert second["citizen"]["earlier_count"] == 1
    assert second["citizen"]["earlier_tickets"][0]["number"] == first


def test_unit_staff_see_only_their_units_tickets(agent_api, unit_api, outsider, unit):
    mine = _register(agent_api)["number"]
    other = _register(agent_api)["number"]
    agent_api.post(f"/tickets/{mine}/dispatch", {"unit": unit.code})
    assert unit_api.get(f"/tickets/{mine}").status_code == 200
    assert unit_api.get(f"/tickets/{other}").status_code == 404
    assert [row["number"] for row in unit_api.get("/tickets").json()["results"]] == [mine]
    outsider_api = Api(outsider)
    assert outsider_api.get(f"/tickets/{mine}").status_code == 404
    assert outsider_api.post(f"/tickets/{mine}/sign").status_code == 404
    assert outsider_api.get("/tickets").json()["count"] == 0


@pytest.mark.req("PRIVACY-2")
def test_the_unit_complained_about_never_learns_who_complained(agent_api, unit_api, unit):
    number = _register(agent_api, complained_unit=unit.code)["number"]
    agent_api.post(f"/tickets/{number}/dispatch", {"unit": unit.code})
    body = unit_api.get(f"/tickets/{number}").json()
    assert body["citizen"] == {"hidden": True, "phone": None, "name": None, "address": None}
    assert "13900001111" not in json.dumps(body, ensure_ascii=False)
    assert "王女士" not in json.dumps(body, ensure_ascii=False)
    # The centre still sees who it is, and that read is audited (PRIVACY-3).
    before = AuditEntry.objects.filter(action="citizen.view").count()
    assert agent_api.get(f"/tickets/{number}").json()["citizen"]["name"] == "王女士"
    assert AuditEntry.objects.filter(action="citizen.view").count() == before + 1


@pytest.mark.req("PRIVACY-2")
def test_a_confidential_ticket_hides_the_citizen_from_every_unit(agent_api, unit_api, unit):
    number = _register(agent_api, confidential=True)["number"]
    agent_api.post(f"/tickets/{number}/dispatch", {"unit": unit.code})
    assert unit_api.get(f"/tickets/{number}").json()["citizen"]["hidden"] is True


@pytest.mark.req("PRIVACY-3")
def test_a_unit_reading_the_citizen_through_a_ticket_is_audited(agent_api, unit_api, unit):
    number = _register(agent_api)["number"]
    agent_api.post(f"/tickets/{number}/dispatch", {"unit": unit.code})
    assert unit_api.get(f"/tickets/{number}").json()["citizen"]["phone"] == "13900001111"
    entry = AuditEntry.objects.filter(action="citizen.view").order_by("-id").first()
    assert entry.actor.username == "handler1"
    assert entry.detail == {"via": "ticket", "ticket": number}


def test_list_filters_by_state_category_unit_light_and_text(agent_api, unit):
    a = _register(agent_api)["number"]
    b = _register(agent_api, category="consultation", content="咨询社保卡补办流程")["number"]
    agent_api.post(f"/tickets/{a}/dispatch", {"unit": unit.code})
    numbers = lambda **p: [r["number"] for r in agent_api.get("/tickets", **p).json()["results"]]  # noqa: E731
    assert numbers(state="dispatched") == [a]
    assert numbers(category="consultation") == [b]
    assert numbers(unit=unit.code) == [a]
    assert numbers(q="社保卡") == [b]
    assert set(numbers(light="normal")) == {a, b}
    assert numbers(light="overdue") == []
    Ticket.objects.get(number=a).deadlines.filter(kind="sign_for").update(
        due_at=timezone.now() - timedelta(minutes=1)
    )
    assert numbers(light="overdue") == [a]
    row = agent_api.get("/tickets", light="overdue").json()["results"][0]
    assert row["light"] == "overdue" and row["lead_unit"] == unit.code
    assert agent_api.get("/tickets", page=99).status_code == 400


@pytest.mark.req("HANDLE-5")
def test_extensions_through_the_api(agent_api, unit_api, unit, supervisor):
    number = _register(agent_api)["number"]
    body = agent_api.post(f"/tickets/{number}/dispatch", {"unit": unit.code}).json()
    unit_api.post(f"/tickets/{number}/sign")
    reply = next(d for d in body["deadlines"] if d["kind"] == "reply")
    from datetime import datetime

    until = datetime.fromisoformat(reply["due_at"]) + timedelta(days=2)
    r = unit_api.post(
        f"/tickets/{number}/extensions",
        {"until": until.isoformat(), "reason": "情况复杂", "basis": "需多部门会商"},
    )
    assert r.status_code == 201 and r.json()["status"] == "pending"
    ext = r.json()["id"]
    r = unit_api.post(f"/tickets/{number}/extensions/{ext}/decision", {"decision": "approved"})
    assert r.status_code == 403
    r = Api(supervisor).post(
        f"/tickets/{number}/extensions/{ext}/decision", {"decision": "approved"}
    )
    assert r.status_code == 200 and r.json()["status"] == "approved"
    detail = agent_api.get(f"/tickets/{number}").json()
    reply = next(d for d in detail["deadlines"] if d["kind"] == "reply" and not d["met_at"])
    assert datetime.fromisoformat(reply["due_at"]) == until
    assert reply["history"][0]["reason"] == "extension"


def test_attachments_are_checked_for_type_and_size(agent_api, unit):
    number = _register(agent_api)["number"]
    client = agent_api.client
    png = SimpleUploadedFile("现场照片.png", b"\x89PNG\r\n\x1a\n" + b"0" * 100, "image/png")
    r = client.post(f"/api/v1/tickets/{number}/attachments", {"file": png})
    assert r.status_code == 201, r.json()
    assert r.json()["name"] == "现场照片.png"
    exe = SimpleUploadedFile("virus.exe", b"MZ....", "application/octet-stream")
    r = client.post(f"/api/v1/tickets/{number}/attachments", {"file": exe})
    assert r.status_code == 400 and "不支持的文件类型" in r.json()["message"]
    fake = SimpleUploadedFile("photo.jpg", b"not a jpeg", "image/jpeg")
    assert client.post(f"/api/v1/tickets/{number}/attachments", {"file": fake}).status_code == 400
    detail = agent_api.get(f"/tickets/{number}").json()
    assert [a["name"] for a in detail["attachments"]] == ["现场照片.png"]
    download = client.get(detail["attachments"][0]["url"])
    assert download.status_code == 200


def test_without_a_token_the_api_answers_401(client):
    assert client.get("/api/v1/tickets").status_code == 401
    assert client.post("/api/v1/tickets", {}, content_type="application/json").status_code == 401
