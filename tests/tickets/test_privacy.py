"""PRIVACY-2 and PRIVACY-3 (issue 11): the complainant never reaches the unit complained about,
through any ticket, list, search, timeline or notification; lists mask phones and names."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from hotline.accounts.models import ApiToken
from hotline.core.models import AuditEntry
from hotline.notifications.services import outbox_deliver
from hotline.tickets import services as svc
from hotline.tickets.attachments import attachment_add
from hotline.tickets.models import Ticket
from tests.factories import CitizenFactory

pytestmark = pytest.mark.django_db

PHONE = "13900000033"
NAME = "王某明"
FILE = "王某身份证13900000033.pdf"


def api(user: Any) -> Client:
    _, raw = ApiToken.issue(user=user, name="test")
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def page(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def register(agent: Any, unit: Any, **extra: Any) -> Ticket:
    fields: dict[str, Any] = {
        "actor": agent,
        "channel": "phone",
        "category": "complaint",
        "content": "楼下餐馆油烟扰民",
        "citizen_phone": PHONE,
        "citizen_name": NAME,
    }
    fields.update(extra)
    ticket = svc.ticket_register(**fields)
    svc.ticket_dispatch(actor=agent, ticket=ticket, unit_code=unit.code)
    ticket.refresh_from_db()
    return ticket


def text(response: Any) -> str:
    if response["Content-Type"].startswith("application/json"):
        return json.dumps(response.json(), ensure_ascii=False)
    return response.content.decode()


@pytest.fixture
def pair(agent, unit):
    """An ordinary ticket of the citizen, then their complaint about the same unit."""
    ordinary = register(agent, unit, category="consultation", content="咨询垃圾分类时间")
    complaint = register(agent, unit, complained_unit_code=unit.code, related=[ordinary.number])
    return ordinary, complaint


# ----------------------------------------------------------------------------- leak 1


@pytest.mark.req("PRIVACY-2")
def test_earlier_tickets_leave_out_those_on_which_the_citizen_is_hidden(
    agent, unit, unit_officer, pair
):
    """PRIVACY-2: the unit reads the ordinary ticket but never learns of the complaint."""
    ordinary, complaint = pair
    confidential = register(agent, unit, confidential=True, content="保密来电")
    body = api(unit_officer).get(f"/api/v1/tickets/{ordinary.number}").json()
    assert body["citizen"]["name"] == NAME  # visible on this ticket, audited
    assert body["citizen"]["earlier_tickets"] == []
    assert body["citizen"]["earlier_count"] == 0
    assert body["related"] == []  # the link would tie the complaint to the caller
    for number in (complaint.number, confidential.number):
        assert number not in json.dumps(body)
        assert number not in page(unit_officer).get(f"/tickets/{ordinary.number}/").content.decode()
    hidden = api(unit_officer).get(f"/api/v1/tickets/{complaint.number}").json()
    assert hidden["citizen"]["hidden"] is True and hidden["related"] == []
    # The centre sees the whole history.
    centre = api(agent).get(f"/api/v1/tickets/{ordinary.number}").json()
    assert {t["number"] for t in centre["citizen"]["earlier_tickets"]} == {
        complaint.number,
        confidential.number,
    }
    assert complaint.number in centre["related"]


@pytest.mark.req("PRIVACY-2")
def test_a_unit_admin_above_the_unit_complained_about_is_hidden_from_too(
    agent, unit, subunit, unit_admin
):
    """PRIVACY-2: the parent of the unit complained about is "the unit complained about"."""
    ordinary = register(agent, subunit)
    complaint = register(agent, subunit, complained_unit_code=subunit.code)
    body = api(unit_admin).get(f"/api/v1/tickets/{ordinary.number}").json()
    assert body["citizen"]["earlier_tickets"] == []
    assert api(unit_admin).get(f"/api/v1/tickets/{complaint.number}").json()["citizen"]["hidden"]


@pytest.mark.req("PRIVACY-2")
def test_searching_by_phone_or_name_never_finds_a_hidden_ticket(agent, unit, unit_officer, pair):
    """PRIVACY-2: ``q=`` by phone or name is no oracle for "did this caller complain?"."""
    ordinary, complaint = pair
    for q in (PHONE, NAME, PHONE[-4:]):
        rows = api(unit_officer).get("/api/v1/tickets", {"q": q}).json()["results"]
        assert complaint.number not in [r["number"] for r in rows]
        for path in ("/tickets/", "/unit/"):
            assert complaint.number not in page(unit_officer).get(path, {"q": q}).content.decode()
    # The unit may find the ticket on which it knows the caller; the centre finds both.
    rows = api(unit_officer).get("/api/v1/tickets", {"q": PHONE}).json()["results"]
    assert [r["number"] for r in rows] == [ordinary.number]
    rows = api(agent).get("/api/v1/tickets", {"q": NAME}).json()["results"]
    assert {r["number"] for r in rows} == {ordinary.number, complaint.number}


@pytest.mark.req("PRIVACY-2")
def test_citizen_pages_and_the_caller_lookup_are_out_of_a_units_reach(unit_officer, pair):
    """PRIVACY-2: the CRM and the desk's caller panel are centre screens."""
    ordinary, _complaint = pair
    client = page(unit_officer)
    assert client.get(f"/citizens/{ordinary.citizen_id}/").status_code == 404
    assert client.get("/citizens/", {"phone": PHONE}).status_code == 404
    assert client.get("/desk/caller/", {"phone": PHONE}).status_code == 403
    assert api(unit_officer).get("/api/v1/citizens", {"phone": PHONE}).json() == []


@pytest.mark.req("PRIVACY-2")
def test_free_text_and_notifications_never_name_a_hidden_citizen(agent, unit, unit_officer):
    """PRIVACY-2: the citizen's phone and name typed into the request are blotted out."""
    complaint = register(
        agent,
        unit,
        complained_unit_code=unit.code,
        content=f"{NAME}来电（{PHONE}）投诉本单位工作人员态度恶劣",
    )
    outbox_deliver()
    responses = [
        api(unit_officer).get(f"/api/v1/tickets/{complaint.number}"),
        api(unit_officer).get("/api/v1/tickets"),
        api(unit_officer).get("/api/v1/inbox"),
        page(unit_officer).get(f"/tickets/{complaint.number}/"),
        page(unit_officer).get("/tickets/"),
        page(unit_officer).get("/unit/"),
        page(unit_officer).get("/inbox/"),
    ]
    for response in responses:
        assert response.status_code == 200
        assert PHONE not in text(response) and NAME not in text(response)
    assert (
        "来电（***）投诉"
        in api(unit_officer).get(f"/api/v1/tickets/{complaint.number}").json()["content"]
    )
    assert NAME in api(agent).get(f"/api/v1/tickets/{complaint.number}").json()["content"]


# ----------------------------------------------------------------------------- leak 2


@pytest.fixture
def filed(agent, pair, settings, tmp_path):
    """The complainant's identity card, filed with the complaint by the centre."""
    settings.MEDIA_ROOT = tmp_path / "media"
    _ordinary, complaint = pair
    upload = SimpleUploadedFile(FILE, b"%PDF-1.4 id card", content_type="application/pdf")
    return attachment_add(actor=agent, ticket=complaint, upload=upload)


@pytest.mark.req("PRIVACY-2")
def test_attachment_names_of_a_hidden_ticket_never_reach_the_unit(agent, unit_officer, pair, filed):
    """PRIVACY-2: not in the timeline, the attachment list, lists, search or notifications."""
    _ordinary, complaint = pair
    outbox_deliver()
    body = api(unit_officer).get(f"/api/v1/tickets/{complaint.number}").json()
    assert body["attachments"] == []
    added = [e for e in body["events"] if e["action"] == "ticket.attachment.added"]
    assert added and added[0]["note"] == ""
    responses = [
        api(unit_officer).get(f"/api/v1/tickets/{complaint.number}"),
        api(unit_officer).get("/api/v1/tickets"),
        api(unit_officer).get("/api/v1/inbox"),
        page(unit_officer).get(f"/tickets/{complaint.number}/"),
        page(unit_officer).get("/tickets/"),
        page(unit_officer).get("/unit/"),
        page(unit_officer).get("/inbox/"),
    ]
    for response in responses:
        assert response.status_code == 200
        assert FILE not in text(response) and "身份证" not in text(response)
    # Searching for the file's name finds nothing either.
    assert api(unit_officer).get("/api/v1/tickets", {"q": "身份证"}).json()["count"] == 0
    found = page(unit_officer).get("/tickets/", {"q": FILE}).content.decode()
    assert complaint.number not in found
    url = f"/api/v1/tickets/{complaint.number}/attachments/{filed.pk}"
    assert api(unit_officer).get(url).status_code == 404
    download = f"/tickets/{complaint.number}/files/{filed.pk}/"
    assert page(unit_officer).get(download).status_code == 403


def test_the_centre_sees_the_attachment_name_in_the_timeline(agent, pair, filed):
    _ordinary, complaint = pair
    body = api(agent).get(f"/api/v1/tickets/{complaint.number}").json()
    assert [a["name"] for a in body["attachments"]] == [FILE]
    added = next(e for e in body["events"] if e["action"] == "ticket.attachment.added")
    assert added["note"] == FILE
    html = page(agent).get(f"/tickets/{complaint.number}/").content.decode()
    assert html.count(FILE) == 2  # the timeline and the attachment list
    # The stored event carries no name: subscribers and exports never see it.
    assert complaint.events.get(action="ticket.attachment.added").note == ""


# ----------------------------------------------------------------------------- PRIVACY-3


@pytest.mark.req("PRIVACY-3")
def test_lists_mask_phone_numbers_and_names(agent, unit, unit_officer):
    """PRIVACY-3: lists show 139****0033 and 王*明; the full value is on the audited page."""
    ticket = register(agent, unit, content=f"回电号码{PHONE}，请尽快处理")
    CitizenFactory(phone="13900000044", name="李四")
    rows = api(agent).get("/api/v1/tickets").json()["results"]
    assert rows[0]["content"] == "回电号码139****0033，请尽快处理"
    looked_up = api(agent).get("/api/v1/citizens", {"phone": "13900000044"}).json()
    assert (looked_up[0]["phone"], looked_up[0]["name"]) == ("139****0044", "李*")
    html = page(agent).get("/citizens/", {"phone": "13900000044"}).content.decode()
    assert "139****0044" in html and "李*" in html and "李四" not in html
    assert PHONE not in page(agent).get("/tickets/").content.decode()
    outbox_deliver()
    inbox = api(unit_officer).get("/api/v1/inbox").json()
    assert "回电号码139****0033" in inbox["results"][0]["title"]
    assert PHONE not in page(unit_officer).get("/inbox/").content.decode()
    before = AuditEntry.objects.filter(action="citizen.view").count()
    detail = page(agent).get(f"/tickets/{ticket.number}/").content.decode()
    assert PHONE in detail and NAME in detail
    assert AuditEntry.objects.filter(action="citizen.view").count() == before + 1
