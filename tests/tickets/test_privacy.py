"""PRIVACY-2 and PRIVACY-3 through every door a unit reader may knock on (issue 11).

The complainant is never revealed to the unit complained about, nor a confidential caller to
any unit: not on the ticket, not through the caller's other tickets, not through an
attachment's file name. Lists show personal data masked; the full value is an audited read.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotline.citizens.masking import mask_name, mask_phone
from hotline.core.models import AuditEntry
from hotline.tickets import services as svc
from hotline.tickets.access import citizen_hidden_from, tickets_visible_to
from hotline.tickets.attachments import attachment_add
from hotline.tickets.models import Ticket
from tests.tickets.test_api import Api

pytestmark = pytest.mark.django_db


def _register(agent: Any, **extra: Any) -> Ticket:
    fields: dict[str, Any] = {
        "actor": agent,
        "channel": "phone",
        "category": "complaint",
        "content": "小区物业服务问题，请处理",
        "citizen_phone": "13900000033",
        "citizen_name": "王某某",
    }
    fields.update(extra)
    return svc.ticket_register(**fields)


def _dispatch(agent: Any, ticket: Ticket, unit_code: str) -> Ticket:
    ticket.refresh_from_db()
    return svc.ticket_dispatch(actor=agent, ticket=ticket, unit_code=unit_code)


def _attach(agent: Any, ticket: Ticket, name: str) -> None:
    upload = SimpleUploadedFile(name, b"%PDF-1.4 test", "application/pdf")
    attachment_add(actor=agent, ticket=ticket, upload=upload)


def _page(user: Any, path: str) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(path)
    assert response.status_code == 200, path
    return response.content.decode()


# ----------------------------------------------------------------------------- leak 1


@pytest.mark.req("PRIVACY-2")
def test_earlier_tickets_leave_out_those_on_which_the_citizen_is_hidden(agent, unit, unit_officer):
    complaint = _register(agent, complained_unit_code=unit.code)
    _dispatch(agent, complaint, unit.code)
    ordinary = _register(agent, category="consultation")
    _dispatch(agent, ordinary, unit.code)

    body = Api(unit_officer).get(f"/tickets/{ordinary.number}").json()
    assert body["citizen"]["name"] == "王某某"  # the ordinary ticket may show who called
    assert body["citizen"]["earlier_tickets"] == []
    assert body["citizen"]["earlier_count"] == 0
    assert complaint.number not in json.dumps(body, ensure_ascii=False)
    # The page shows the same view.
    assert complaint.number not in _page(unit_officer, f"/tickets/{ordinary.number}/")
    # The centre still sees the whole history.
    seen = Api(agent).get(f"/tickets/{ordinary.number}").json()["citizen"]["earlier_tickets"]
    assert [t["number"] for t in seen] == [complaint.number]


@pytest.mark.req("PRIVACY-2")
def test_a_confidential_earlier_ticket_is_left_out_for_every_unit(agent, unit, unit_officer):
    secret = _register(agent, confidential=True)
    _dispatch(agent, secret, unit.code)
    ordinary = _register(agent, category="consultation")
    _dispatch(agent, ordinary, unit.code)
    body = Api(unit_officer).get(f"/tickets/{ordinary.number}").json()
    assert secret.number not in json.dumps(body, ensure_ascii=False)


@pytest.mark.req("PRIVACY-2")
def test_a_complaint_about_a_parent_unit_is_hidden_from_its_sub_unit(
    agent, unit, subunit, unit_officer
):
    from tests.factories import UserFactory

    clerk = UserFactory(unit=subunit, roles=["unit_handler"])
    complaint = _register(agent, complained_unit_code=unit.code)
    _dispatch(agent, complaint, subunit.code)
    body = Api(clerk).get(f"/tickets/{complaint.number}").json()
    assert body["citizen"]["hidden"] is True


# ----------------------------------------------------------------------------- leak 2

ID_CARD = "王某身份证13900000033.pdf"


@pytest.mark.req("PRIVACY-2")
def test_a_hidden_readers_timeline_never_names_the_citizens_attachments(agent, unit, unit_officer):
    complaint = _register(agent, complained_unit_code=unit.code)
    _attach(agent, complaint, ID_CARD)
    _dispatch(agent, complaint, unit.code)

    body = Api(unit_officer).get(f"/tickets/{complaint.number}").json()
    text = json.dumps(body, ensure_ascii=False)
    assert ID_CARD not in text and "13900000033" not in text
    added = [e for e in body["events"] if e["action"] == "ticket.attachment.added"]
    assert added and added[0]["note"] == "（附件）"
    assert body["attachments"] == []
    page = _page(unit_officer, f"/tickets/{complaint.number}/")
    assert ID_CARD not in page and "13900000033" not in page
    # The list, the inbox and the text search give nothing away either.
    listed = Api(unit_officer).get("/tickets", q="身份证").json()
    assert listed["count"] == 0
    assert ID_CARD not in _page(unit_officer, "/unit/")
    assert ID_CARD not in _page(unit_officer, "/tickets/?q=身份证")
    assert ID_CARD not in _page(unit_officer, "/inbox/")
    # The centre sees the file and its name.
    centre = Api(agent).get(f"/tickets/{complaint.number}").json()
    assert [a["name"] for a in centre["attachments"]] == [ID_CARD]
    assert ID_CARD in json.dumps(centre, ensure_ascii=False)


# ----------------------------------------------------------------------------- leak 3


@pytest.fixture
def drafts(unit, other_unit):
    from hotline.knowledge import services as kb
    from tests.factories import UserFactory

    author = UserFactory(unit=other_unit, roles=["unit_admin"])
    data = kb.ArticleInput(title="自来水停水通知（草稿）", answer="内部草稿，尚未发布", kind="qa")
    return kb.article_create(actor=author, unit=other_unit, data=data)


@pytest.mark.req("PRIVACY-1")
def test_another_units_draft_is_out_of_reach_on_the_knowledge_pages(drafts, unit_officer):
    client = Client()
    client.force_login(unit_officer)
    for path in (f"/knowledge/{drafts.pk}/", f"/knowledge/{drafts.pk}/edit/"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "内部草稿" not in response.content.decode()
    # The API answers the same way.
    assert Api(unit_officer).get(f"/kb/articles/{drafts.pk}").status_code == 404


def test_the_drafting_unit_and_the_centre_still_open_the_draft(drafts, agent):
    from hotline.accounts.models import User

    author = User.objects.get(unit=drafts.unit)
    assert "内部草稿" in _page(author, f"/knowledge/{drafts.pk}/")
    assert "内部草稿" in _page(agent, f"/knowledge/{drafts.pk}/")


# ----------------------------------------------------------------------------- PRIVACY-3


@pytest.mark.req("PRIVACY-3")
def test_masks_keep_enough_to_recognise_and_no_more():
    assert mask_phone("13900000033") == "139****0033"
    assert mask_phone("0571-87654321") == "057*-****4321"
    assert mask_phone("") == "" and mask_phone("12345") == "*****"
    assert mask_name("王小明") == "王**"
    assert mask_name("王") == "王*"
    assert mask_name("") == ""


@pytest.mark.req("PRIVACY-3")
def test_the_callback_queue_masks_the_caller_and_audits_the_full_number(
    agent, unit, unit_officer, callback_agent
):
    ticket = _register(agent)
    _dispatch(agent, ticket, unit.code)
    ticket.refresh_from_db()
    svc.ticket_sign(actor=unit_officer, ticket=ticket)
    ticket.refresh_from_db()
    svc.ticket_reply(actor=unit_officer, ticket=ticket, content="已处理完毕")
    before = AuditEntry.objects.filter(action="citizen.view").count()
    page = _page(callback_agent, "/callbacks/")
    assert "139****0033" in page and "王**" in page
    assert "13900000033" not in page and "王某某" not in page
    assert AuditEntry.objects.filter(action="citizen.view").count() == before
    full = _page(callback_agent, f"/callbacks/{ticket.number}/caller/")
    assert "13900000033" in full and "王某某" in full
    entry = AuditEntry.objects.filter(action="citizen.view").order_by("-id").first()
    assert entry.actor == callback_agent and entry.detail["ticket"] == ticket.number


def test_a_unit_user_cannot_ask_for_the_full_number(agent, unit, unit_officer):
    ticket = _register(agent)
    _dispatch(agent, ticket, unit.code)
    client = Client()
    client.force_login(unit_officer)
    assert client.get(f"/callbacks/{ticket.number}/caller/").status_code == 403


# ----------------------------------------------------------------------------- the property

NAMES = ["赵甲", "钱乙", "孙丙"]
PHONES = ["13811110001", "13822220002", "13833330003"]

ticket_plans = st.lists(
    st.tuples(
        st.integers(0, 2),  # which citizen
        st.booleans(),  # confidential
        st.sampled_from([None, "unit", "subunit", "other_unit"]),  # complained about
        st.sampled_from(["unit", "subunit", "other_unit"]),  # dispatched to
    ),
    min_size=1,
    max_size=4,
)


@pytest.mark.req("PRIVACY-2")
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plans=ticket_plans)
def test_no_response_to_a_hidden_reader_names_the_citizen(
    plans, agent, unit, subunit, other_unit, unit_officer, unit_admin, outsider
):
    units = {"unit": unit, "subunit": subunit, "other_unit": other_unit}
    readers = [unit_officer, unit_admin, outsider]
    with transaction.atomic():
        tickets = []
        for i, (who, confidential, complained, lead) in enumerate(plans):
            ticket = _register(
                agent,
                citizen_phone=PHONES[who],
                citizen_name=NAMES[who],
                confidential=confidential,
                complained_unit_code=units[complained].code if complained else None,
            )
            _attach(agent, ticket, f"材料{i}{NAMES[who]}{PHONES[who]}.pdf")
            tickets.append(_dispatch(agent, ticket, units[lead].code))
        for reader in readers:
            api = Api(reader)
            client = Client()
            client.force_login(reader)
            visible = set(tickets_visible_to(reader).values_list("pk", flat=True))
            hidden = [t for t in tickets if t.pk in visible and citizen_hidden_from(reader, t)]
            # Everything this reader gets: every visible ticket (API and page) and the lists.
            answers = [
                api.get("/tickets").content.decode(),
                client.get("/unit/").content.decode(),
                client.get("/tickets/").content.decode(),
            ]
            for ticket in tickets:
                if ticket.pk in visible:
                    detail = api.get(f"/tickets/{ticket.number}").content.decode()
                    page = client.get(f"/tickets/{ticket.number}/").content.decode()
                    answers.append(detail + page)
                    if ticket in hidden:
                        # The hidden ticket's own answers name no one.
                        decoded = json.loads(detail)
                        text = json.dumps(decoded, ensure_ascii=False) + page
                        assert ticket.citizen.name not in text
                        assert ticket.citizen.phone not in text
                    else:
                        earlier = json.loads(detail)["citizen"].get("earlier_tickets", [])
                        assert not {e["number"] for e in earlier} & {t.number for t in hidden}
            everything = "\n".join(answers)
            for ticket in hidden:
                # No attachment name of a hidden ticket anywhere this reader looks.
                for name in ticket.attachments.values_list("name", flat=True):
                    assert name not in everything
        transaction.set_rollback(True)
