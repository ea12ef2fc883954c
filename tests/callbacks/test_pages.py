"""The callback queue and form, and the inspection page (issue 13), through the test client."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from hotline.callbacks.models import Inspection
from hotline.tickets.models import Ticket
from tests.callbacks.helpers import replied

pytestmark = pytest.mark.django_db


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def tianjin(use_profile, agent, unit, unit_officer):
    use_profile("tianjin-88908890")
    return replied(agent, unit_officer, unit.code, reply_at="2026-10-08 09:00")


@pytest.mark.req("CALLBACK-2")
def test_the_callback_form_preselects_no_result_and_asks_the_facts(tianjin, callback_agent):
    caller = login(callback_agent)
    html = caller.get("/callbacks/").content.decode()
    assert tianjin.number in html and "逐件回访" in html
    result = re.search(r'<select name="callback-result"[^>]*>(.*?)</select>', html, re.S)
    assert result and "selected" not in result.group(1)
    assert result.group(1).startswith('<option value="">')
    ticket_page = caller.get(f"/tickets/{tianjin.number}/").content.decode()
    form = re.search(r'name="callback-result"[^>]*>(.*?)</select>', ticket_page, re.S)
    assert form and 'value="" selected' in form.group(1)  # the blank choice, nothing else

    # A reached citizen: solved and contacted in time are required.
    url = f"/tickets/{tianjin.number}/do/callback/"
    caller.post(url, {"callback-result": "satisfied", "next": "/callbacks/"})
    assert Ticket.objects.get(pk=tianjin.pk).state == "replied"
    caller.post(
        url,
        {
            "callback-result": "satisfied",
            "callback-solved": "yes",
            "callback-contacted_in_time": "no",
            "next": "/callbacks/",
        },
    )
    ticket = Ticket.objects.get(pk=tianjin.pk)
    assert ticket.state == "closed"
    payload = ticket.events.get(action="ticket.called_back").payload
    assert payload == {"result": "satisfied", "solved": True, "contacted_in_time": False}


@pytest.mark.req("CALLBACK-3")
def test_the_inspector_decides_on_the_inspection_page(
    tianjin, callback_agent, inspector, supervisor, unit_officer
):
    login(callback_agent).post(
        f"/tickets/{tianjin.number}/do/callback/",
        {"callback-result": "dissatisfied", "callback-solved": "no",
         "callback-contacted_in_time": "yes", "callback-note": "噪音仍在"},
    )  # fmt: skip
    inspection = Inspection.objects.get(ticket=tianjin)
    qc = login(inspector)
    home = qc.get("/", follow=True).content.decode()
    assert "/inspections/" in home  # the nav link
    html = qc.get("/inspections/").content.decode()
    assert tianjin.number in html and "噪音仍在" in html and "质检" in html
    assert "办理过程" in html  # the timeline to review
    assert login(supervisor).get("/inspections/").status_code == 200
    assert "/inspections/" in login(supervisor).get("/", follow=True).content.decode()
    assert login(unit_officer).get("/inspections/").status_code == 403
    url = f"/inspections/{inspection.pk}/decide/"
    qc.post(url, {"responsibility": "citizen", "finding": "诉求不合理"})  # no decision chosen
    assert Inspection.objects.get().state == "open"
    login(supervisor).post(url, {"responsibility": "citizen", "finding": "x", "outcome": "close"})
    assert Inspection.objects.get().state == "open"  # supervisors read, inspectors decide
    r = qc.post(url, {"responsibility": "citizen", "finding": "诉求不合理", "outcome": "close"})
    assert r.status_code == 302
    done = Inspection.objects.get()
    assert (done.state, done.unit_fault) == ("decided", False)
    assert Ticket.objects.get(pk=tianjin.pk).state == "closed"
    assert "非承办单位责任" in qc.get("/inspections/").content.decode()
