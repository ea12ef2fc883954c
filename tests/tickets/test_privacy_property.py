"""PRIVACY-2 as a property (issue 11 leak 4): for random tickets, citizens, confidential flags,
complained units and attachments, nothing a hidden reader gets — API JSON or HTML page —
names the citizen, gives their phone or an attachment's name, or ties a hidden ticket to a
caller the reader knows."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotline.accounts.models import ApiToken
from hotline.directory.models import Unit
from hotline.notifications.services import outbox_deliver
from hotline.tickets import services as svc
from hotline.tickets.attachments import attachment_add
from tests.factories import UnitFactory, UserFactory

pytestmark = pytest.mark.django_db

#: Distinctive citizens, so that a hit in a response can only be a leak.
CITIZENS = [("13911110001", "郜甲乙"), ("13922220002", "郜丙丁"), ("13933330003", "郜戊己")]
#: Handling units: A1 is a sub-unit of A ("the unit complained about" covers the whole line).
UNITS = ("A", "A1", "B")
LINE = {"A": {"A", "A1"}, "A1": {"A", "A1"}, "B": {"B"}}

spec = st.fixed_dictionaries(
    {
        "citizen": st.integers(0, len(CITIZENS) - 1),
        "lead": st.sampled_from(UNITS),
        "complained": st.sampled_from((None, *UNITS)),
        "confidential": st.booleans(),
        "mentions": st.booleans(),  # the agent typed the caller's name and phone into the text
        "attachment": st.booleans(),
        "related": st.booleans(),  # linked to the ticket registered before it
    }
)


@dataclass
class Made:
    number: str
    citizen: int
    lead: str
    complained: str | None
    confidential: bool
    attachment: str | None


@dataclass
class Reader:
    unit: str
    sees: set[str]  # lead units whose tickets the reader may open
    api: Client
    page: Client


def _text(response: Any) -> str:
    assert response.status_code == 200, (response.status_code, response.content[:300])
    if response["Content-Type"].startswith("application/json"):
        return json.dumps(response.json(), ensure_ascii=False)
    return response.content.decode()


def _hidden(reader: Reader, made: Made) -> bool:
    return made.confidential or (
        made.complained is not None and made.complained in LINE[reader.unit]
    )


def _build(specs: list[dict[str, Any]]) -> tuple[list[Made], list[Reader]]:
    centre = UnitFactory(code="C", kind=Unit.Kind.CENTRE)
    units = {"A": UnitFactory(code="A"), "B": UnitFactory(code="B")}
    units["A1"] = UnitFactory(code="A1", parent=units["A"])
    agent = UserFactory(unit=centre, roles=["agent"])
    readers = []
    for code, role, sees in (
        ("A", "unit_handler", {"A"}),
        ("A1", "unit_handler", {"A1"}),
        ("B", "unit_handler", {"B"}),
        ("A", "unit_admin", {"A", "A1"}),
    ):
        user = UserFactory(unit=units[code], roles=[role])
        _, raw = ApiToken.issue(user=user, name="property")
        page = Client()
        page.force_login(user)
        readers.append(Reader(code, sees, Client(HTTP_AUTHORIZATION=f"Bearer {raw}"), page))
    made: list[Made] = []
    for i, s in enumerate(specs):
        phone, name = CITIZENS[s["citizen"]]
        content = f"第{i}件：小区噪音扰民" + (
            f"，来电人{name}，电话{phone}" if s["mentions"] else ""
        )
        ticket = svc.ticket_register(
            actor=agent,
            channel="phone",
            category="complaint",
            content=content,
            citizen_phone=phone,
            citizen_name=name,
            confidential=s["confidential"],
            complained_unit_code=s["complained"],
            related=[made[-1].number] if s["related"] and made else [],
        )
        attachment = None
        if s["attachment"]:
            attachment = f"证件{i}号{name}.pdf"
            upload = SimpleUploadedFile(attachment, b"%PDF-1.4 x", content_type="application/pdf")
            attachment_add(actor=agent, ticket=ticket, upload=upload)
        svc.ticket_dispatch(
            actor=agent, ticket=ticket, unit_code=s["lead"], note=f"请处理（{name}）"
        )
        made.append(
            Made(
                ticket.number,
                s["citizen"],
                s["lead"],
                s["complained"],
                s["confidential"],
                attachment,
            )
        )
    outbox_deliver()
    return made, readers


def _check(made: list[Made], reader: Reader) -> None:
    visible = [m for m in made if m.lead in reader.sees]
    known = {m.citizen for m in visible if not _hidden(reader, m)}
    forbidden = [part for i, c in enumerate(CITIZENS) if i not in known for part in c]
    forbidden += [
        m.attachment for m in made if m.attachment and (_hidden(reader, m) or m not in visible)
    ]

    responses = [
        reader.api.get("/api/v1/tickets"),
        reader.api.get("/api/v1/inbox"),
        reader.page.get("/tickets/"),
        reader.page.get("/unit/"),
        reader.page.get("/inbox/"),
    ]
    for phone, name in CITIZENS:
        for q in (phone, name):
            responses.append(reader.api.get("/api/v1/tickets", {"q": q}))
    texts = [_text(r) for r in responses]
    for m in visible:
        api_text = _text(reader.api.get(f"/api/v1/tickets/{m.number}"))
        page_text = _text(reader.page.get(f"/tickets/{m.number}/"))
        texts += [api_text, page_text]
        phone, name = CITIZENS[m.citizen]
        if _hidden(reader, m):
            # The hidden ticket itself shows neither the citizen nor the materials.
            for secret in (phone, name, m.attachment):
                assert not secret or (secret not in api_text and secret not in page_text), (
                    m,
                    secret,
                )
        else:
            # A ticket showing its caller never points at one where that caller is hidden.
            tied = [h.number for h in visible if h.citizen == m.citizen and _hidden(reader, h)]
            body = json.loads(api_text)
            shown = {t["number"] for t in body["citizen"]["earlier_tickets"]} | set(body["related"])
            assert not shown & set(tied), (m, tied)
            for number in tied:
                assert number not in page_text, (m, number)
    # Searching by a hidden caller's phone or name finds none of the tickets they are hidden on.
    for m in visible:
        if _hidden(reader, m):
            for q in CITIZENS[m.citizen]:
                rows = reader.api.get("/api/v1/tickets", {"q": q}).json()["results"]
                assert m.number not in [r["number"] for r in rows], (m, q)
    for secret in forbidden:
        for text in texts:
            assert secret not in text, (reader.unit, secret)


@pytest.mark.req("PRIVACY-2")
@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(specs=st.lists(spec, min_size=1, max_size=5))
def test_no_response_to_a_hidden_reader_identifies_the_citizen(specs, tmp_path, django_settings):
    """PRIVACY-2: API JSON and HTML pages, lists, search, timeline and notifications alike."""
    django_settings.MEDIA_ROOT = tmp_path / "media"
    with transaction.atomic():
        made, readers = _build(specs)
        for reader in readers:
            _check(made, reader)
        transaction.set_rollback(True)


@pytest.fixture
def django_settings(settings):
    return settings
