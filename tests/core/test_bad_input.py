"""Issue 11, "Bad input gets a 4xx with {code, message}": every reproduction of the issue, on
whichever database the suite runs on (SQLite and PostgreSQL in CI).

Each case answers a 4xx; on an ``/api/`` path the body is ``{"code", "message"}`` with a
Chinese message, and nothing is stored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from hotline.accounts.models import ApiToken
from hotline.citizens.models import Citizen
from hotline.core.edge import TEXT_MAX_CHARS
from hotline.tickets.models import Attachment, Ticket

pytestmark = pytest.mark.django_db

COMPLAINT: dict[str, Any] = {
    "channel": "phone",
    "category": "complaint",
    "content": "小区旁工地夜间施工噪音扰民",
    "citizen": {"phone": "13900001111", "name": "王女士"},
    "address": "澜溪区滨江路18号",
}
NUL = "a\x00b"
SURROGATE = "\ud800"


def _with(path: str, value: Any) -> dict[str, Any]:
    """Return the complaint with ``value`` at the dotted ``path``."""
    body = json.loads(json.dumps(COMPLAINT))
    *parents, last = path.split(".")
    node = body
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = value
    return body


@dataclass(frozen=True)
class Case:
    """One bad request: who sends it, what, and the answer expected."""

    persona: str
    method: str
    path: str
    body: Any = None
    raw: bytes | None = None
    status: int = 400
    code: str | None = "invalid_input"
    content_type: str = "application/json"
    needs_ticket: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


REGISTER_TEXT_FIELDS = [
    "channel",
    "category",
    "content",
    "citizen.phone",
    "citizen.name",
    "address",
    "area_code",
    "complained_unit",
]
ACTIONS_WITH_NOTE: dict[str, dict[str, Any]] = {
    "reject": {"reason": "not_hotline"},
    "defer": {},
    "review": {},
    "dispatch": {"unit": "ZJJ"},
    "sign": {},
    "contact": {},
    "redispatch": {"unit": "ZJJ"},
    "explain": {},
    "escalate": {},
    "callback": {"result": "satisfied"},
    "redo": {},
    "close": {},
    "transfer": {"platform": "110"},
    "reopen": {},
    "archive": {},
}

CASES: dict[str, Case] = {}
for name in REGISTER_TEXT_FIELDS:
    CASES[f"register-nul-{name}"] = Case("agent", "post", "/api/v1/tickets", _with(name, NUL))
    CASES[f"register-surrogate-{name}"] = Case(
        "agent", "post", "/api/v1/tickets", _with(name, SURROGATE)
    )
CASES["register-nul-deadline-basis"] = Case(
    "agent",
    "post",
    "/api/v1/tickets",
    _with("deadline", {"due_at": "2030-01-01T00:00:00+08:00", "basis": NUL}),
)
CASES["register-nul-related"] = Case("agent", "post", "/api/v1/tickets", _with("related", [NUL]))
CASES["register-long-phone"] = Case(
    "agent", "post", "/api/v1/tickets", _with("citizen.phone", "1" * 5000)
)
CASES["register-long-name"] = Case(
    "agent", "post", "/api/v1/tickets", _with("citizen.name", "王" * 65)
)
CASES["register-long-area-code"] = Case(
    "agent", "post", "/api/v1/tickets", _with("area_code", "A" * 5000)
)
CASES["register-long-address"] = Case(
    "agent", "post", "/api/v1/tickets", _with("address", "路" * 5000)
)
CASES["register-long-content"] = Case(
    "agent", "post", "/api/v1/tickets", _with("content", "噪" * 100_000)
)
for action, base in ACTIONS_WITH_NOTE.items():
    CASES[f"action-nul-note-{action}"] = Case(
        "agent" if action not in {"sign", "contact", "explain"} else "unit",
        "post",
        f"/api/v1/tickets/{{number}}/{action}",
        {**base, "note": NUL},
        needs_ticket=True,
    )
CASES["action-surrogate-note"] = Case(
    "agent", "post", "/api/v1/tickets/{number}/defer", {"note": SURROGATE}, needs_ticket=True
)
CASES["action-surrogate-key"] = Case(
    "agent", "post", "/api/v1/tickets/{number}/defer", {SURROGATE: "x"}, needs_ticket=True
)
for label, body in {"list": [], "string": "x", "number": 1, "true": True}.items():
    CASES[f"action-non-object-{label}"] = Case(
        "agent", "post", "/api/v1/tickets/{number}/defer", body, needs_ticket=True
    )
CASES["register-non-object"] = Case("agent", "post", "/api/v1/tickets", [COMPLAINT])
CASES["action-malformed-json"] = Case(
    "agent",
    "post",
    "/api/v1/tickets/{number}/defer",
    raw=b'{"note": ',
    code="malformed_json",
    needs_ticket=True,
)
CASES["action-invalid-utf8"] = Case(
    "agent",
    "post",
    "/api/v1/tickets/{number}/defer",
    raw=b'{"note": "\xff\xfe"}',
    code="malformed_json",
    needs_ticket=True,
)
CASES["register-too-large"] = Case(
    "agent",
    "post",
    "/api/v1/tickets",
    raw=json.dumps(_with("content", "x" * 3_000_000)).encode(),
    code="request_too_large",
)
for path in [
    "/api/v1/tickets",
    "/api/v1/units",
    "/api/v1/areas",
    "/api/v1/kb/search",
    "/api/v1/public/kb/search",
]:
    CASES[f"query-nul-{path}"] = Case("agent", "get", f"{path}?q=a%00b")
CASES["query-nul-citizens"] = Case("agent", "get", "/api/v1/citizens?phone=%00")
CASES["query-nul-inbox"] = Case("agent", "get", "/api/v1/inbox?unread=%00")
CASES["query-long"] = Case("agent", "get", "/api/v1/tickets?q=" + "a" * 10_001)
CASES["page-query-long"] = Case("agent", "get", "/tickets/?q=" + "a" * 10_001, code=None)
CASES["path-nul-ticket"] = Case("agent", "get", "/api/v1/tickets/a%00b")
CASES["path-nul-ticket-action"] = Case("agent", "post", "/api/v1/tickets/a%00b/defer", {})
CASES["path-nul-unit"] = Case("agent", "get", "/api/v1/units/a%00b")
CASES["path-long-unit"] = Case(
    "agent", "get", "/api/v1/units/" + "U" * 5000, status=404, code="not_found"
)
CASES["token-nul"] = Case("nul_token", "get", "/api/v1/me")
CASES["api-unknown-path"] = Case(
    "agent", "get", "/api/v1/no-such-thing", status=404, code="not_found"
)
CASES["api-unknown-path-anonymous"] = Case(
    "anonymous", "get", "/api/v2/tickets", status=404, code="not_found"
)
CASES["api-wrong-method"] = Case(
    "agent", "delete", "/api/v1/tickets", status=405, code="method_not_allowed"
)
CASES["page-nul-ticket"] = Case("agent", "get", "/tickets/a%00/", code=None)
CASES["page-nul-audit"] = Case("centre_admin", "get", "/manage/audit/?actor=%00", code=None)
CASES["page-nul-citizens"] = Case("agent", "get", "/citizens/?phone=%00", code=None)
CASES["page-nul-ticket-list"] = Case("agent", "get", "/tickets/?q=%00", code=None)
CASES["page-nul-form"] = Case(
    "agent",
    "post",
    "/desk/",
    body={"phone": "139\x0000", "content": "x", "category": "complaint"},
    content_type="form",
    code=None,
)


@pytest.fixture
def clients(agent, unit_officer, centre_admin) -> dict[str, Client]:
    result: dict[str, Client] = {
        "anonymous": Client(raise_request_exception=False),
        "nul_token": Client(HTTP_AUTHORIZATION="Bearer hl_a\x00b_c", raise_request_exception=False),
    }
    for persona, user in {"agent": agent, "unit": unit_officer}.items():
        _, raw = ApiToken.issue(user=user, name="test")
        result[persona] = Client(HTTP_AUTHORIZATION=f"Bearer {raw}", raise_request_exception=False)
    admin = Client(raise_request_exception=False)
    admin.force_login(centre_admin)
    result["centre_admin"] = admin
    page_agent = Client(raise_request_exception=False)
    page_agent.force_login(agent)
    result["agent_page"] = page_agent
    return result


def _send(clients: dict[str, Client], case: Case, number: str) -> Any:
    path = case.path.replace("{number}", number)
    is_page = not path.startswith("/api/")
    client = clients["agent_page" if is_page and case.persona == "agent" else case.persona]
    if case.method == "get":
        return client.get(path)
    if case.content_type == "form":
        return client.post(path, case.body)
    data = case.raw if case.raw is not None else json.dumps(case.body).encode()
    return getattr(client, case.method)(path, data, content_type=case.content_type)


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_is_refused_with_a_4xx(name, clients, agent, unit, unit_officer):
    case = CASES[name]
    number = ""
    if case.needs_ticket:
        response = clients["agent"].post(
            "/api/v1/tickets", json.dumps(COMPLAINT), content_type="application/json"
        )
        assert response.status_code == 201, response.content
        number = response.json()["number"]
        if name.endswith(("-sign", "-contact", "-explain")):
            clients["agent"].post(
                f"/api/v1/tickets/{number}/dispatch",
                json.dumps({"unit": unit.code}),
                content_type="application/json",
            )
        if name.endswith("-contact") or name.endswith("-explain"):
            clients["unit"].post(f"/api/v1/tickets/{number}/sign")
    tickets, citizens = Ticket.objects.count(), Citizen.objects.count()
    response = _send(clients, case, number)
    assert response.status_code == case.status, response.content[:500]
    if case.code is not None:
        assert response["Content-Type"].startswith("application/json")
        body = response.json()
        assert body["code"] == case.code
        assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"]), body
    assert (Ticket.objects.count(), Citizen.objects.count()) == (tickets, citizens)


LONG_NAME = ("王某关于小区旁工地夜间施工噪音扰民问题的情况说明及现场照片" * 4)[:90]


@pytest.mark.parametrize("via", ["api", "page"])
def test_a_file_name_longer_than_the_file_system_allows_is_shortened(via, clients, agent):
    """270 bytes of name (over the 255 a file name may have) keep their extension, are
    stored under a shortened name and shown under the full one."""
    assert len(LONG_NAME) == 90 and len(LONG_NAME.encode()) > 255
    response = clients["agent"].post(
        "/api/v1/tickets", json.dumps(COMPLAINT), content_type="application/json"
    )
    number = response.json()["number"]
    upload = SimpleUploadedFile(f"{LONG_NAME}.pdf", b"%PDF-1.4 test", "application/pdf")
    if via == "api":
        response = clients["agent"].post(f"/api/v1/tickets/{number}/attachments", {"file": upload})
        assert response.status_code == 201, response.content
    else:
        response = clients["agent_page"].post(f"/tickets/{number}/attach/", {"file": upload})
        assert response.status_code == 302, response.content[:500]
    attachment = Attachment.objects.get(ticket__number=number)
    assert attachment.name == f"{LONG_NAME}.pdf"
    stored = PurePath(attachment.file.name).name
    assert stored.endswith(".pdf") and len(stored.encode()) <= 160
    assert attachment.file.read() == b"%PDF-1.4 test"


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("a\x00b.pdf", "ab.pdf"),
        ("..\\..\\etc\\passwd.pdf", "passwd.pdf"),
        ("甲" * 300 + ".pdf", "甲" * 196 + ".pdf"),
    ],
)
def test_a_file_name_is_cleaned_before_it_is_stored(name, shown, clients):
    response = clients["agent"].post(
        "/api/v1/tickets", json.dumps(COMPLAINT), content_type="application/json"
    )
    number = response.json()["number"]
    upload = SimpleUploadedFile(name, b"%PDF-1.4 test", "application/pdf")
    response = clients["agent"].post(f"/api/v1/tickets/{number}/attachments", {"file": upload})
    assert response.status_code == 201, response.content
    assert response.json()["name"] == shown


def test_a_file_name_with_nothing_usable_is_refused(clients):
    response = clients["agent"].post(
        "/api/v1/tickets", json.dumps(COMPLAINT), content_type="application/json"
    )
    number = response.json()["number"]
    upload = SimpleUploadedFile("\x01\x02", b"%PDF-1.4 test", "application/pdf")
    response = clients["agent"].post(f"/api/v1/tickets/{number}/attachments", {"file": upload})
    assert response.status_code == 400 and response.json()["code"] == "invalid_input"


def test_a_form_refuses_text_over_the_limit_next_to_the_field(clients):
    """Forms carry the same limits: free text at most ``TEXT_MAX_CHARS`` characters."""
    response = clients["agent_page"].post(
        "/desk/",
        {"phone": "13900001111", "content": "噪" * (TEXT_MAX_CHARS + 1), "category": "complaint"},
    )
    assert response.status_code == 400
    assert f"{TEXT_MAX_CHARS}" in response.content.decode()
    assert Ticket.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "field", "limit"),
    [
        (_with("citizen.phone", "1" * 33), "citizen.phone", 32),
        (_with("address", "路" * 201), "address", 200),
        (_with("content", "噪" * (TEXT_MAX_CHARS + 1)), "content", TEXT_MAX_CHARS),
    ],
)
def test_an_over_long_field_is_named_with_its_limit(body, field, limit, clients):
    response = clients["agent"].post(
        "/api/v1/tickets", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 400
    error = response.json()
    assert error["extra"]["errors"] == [{"field": field, "message": f"最多 {limit} 个字符"}]
    assert f"{field}（最多 {limit} 个字符）" in error["message"]


def test_a_nul_in_a_json_body_is_named_with_its_place(clients):
    response = clients["agent"].post(
        "/api/v1/tickets", json.dumps(_with("citizen.name", NUL)), content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["extra"]["errors"][0]["field"] == "citizen.name"
    assert "空字符" in response.json()["message"]


def test_an_oversized_body_names_the_limit(clients, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    body = json.dumps(_with("content", "x" * 2_000_000))
    response = clients["agent"].post("/api/v1/tickets", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "request_too_large"
    assert "1.0 MB" in response.json()["message"]


def test_a_server_error_on_the_api_is_json(clients, monkeypatch):
    """A bug answers 500 with ``{"code", "message"}``, never Django's HTML page."""

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("hotline.accounts.api.MeOut", broken)
    response = clients["agent"].get("/api/v1/me")
    assert response.status_code == 500
    assert response.json()["code"] == "server_error"
    assert "系统内部错误" in response.json()["message"]


def test_characters_outside_the_basic_plane_are_accepted(clients):
    """A surrogate *pair* in JSON (an emoji, a rare 汉字 of plane 2) is one valid character."""
    body = _with("content", "噪音扰民😀𠀀")
    response = clients["agent"].post(
        "/api/v1/tickets", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["content"] == "噪音扰民😀𠀀"
