"""Issue 19: the staff screens as a shift uses them (test client side; the browser side is in
tests/browser/test_issue19_screens.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from hotline.core.errors import Conflict
from hotline.tickets import services as svc
from hotline.tickets.attachments import attachment_add
from hotline.tickets.models import Ticket
from hotline.workbench.models import SavedFilter

pytestmark = pytest.mark.django_db


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def register(agent: Any, **extra: Any) -> Ticket:
    fields: dict[str, Any] = {
        "actor": agent,
        "channel": "phone",
        "category": "complaint",
        "content": "小区电梯坏了一周没人修",
        "citizen_phone": "13900001111",
    }
    fields.update(extra)
    return svc.ticket_register(**fields)


# ----------------------------------------------------------------------------- item 1


def test_the_side_panel_takes_a_long_request_by_post(agent):
    """A 600-character complaint fits: the panel is POSTed, never sent in the URL."""
    content = "小区电梯经常故障，" * 70
    response = login(agent).post(
        "/desk/assist/", {"content": content, "category": "complaint", "area": ""}
    )
    assert response.status_code == 200
    assert "15个工作日" in response.content.decode()


def test_the_workstation_posts_its_side_panel(agent):
    html = login(agent).get("/desk/").content.decode()
    assert 'hx-post="/desk/assist/"' in html
    assert "未能刷新" in html  # what a failed refresh says


# ----------------------------------------------------------------------------- item 2


@pytest.mark.parametrize("bad", ["abc-12", "1380013800"])
def test_the_workstation_says_what_is_wrong_with_the_number_next_to_the_field(agent, bad):
    response = login(agent).post(
        "/desk/",
        {"phone": bad, "content": "路灯不亮", "category": "help", "outcome": "ticket"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="phone-error"' in html and "号码" in html
    assert not Ticket.objects.exists()


def test_the_workstation_normalises_the_number_and_records_a_withheld_one(agent):
    client = login(agent)
    base = {"content": "路灯不亮", "category": "help", "outcome": "ticket"}
    assert client.post("/desk/", {**base, "phone": "+86 139-0000-1111"}).status_code == 302
    assert Ticket.objects.get().citizen.phone == "13900001111"
    assert client.post("/desk/", {**base, "phone": "", "withheld": "on"}).status_code == 302
    withheld = Ticket.objects.order_by("-id").first()
    assert withheld is not None and withheld.citizen.phone_withheld


# ----------------------------------------------------------------------------- item 6


def test_the_list_offers_states_as_a_choice_and_units_by_name(agent, unit):
    html = login(agent).get("/tickets/").content.decode()
    assert '<select name="state"' in html and "已派单" in html
    assert 'list="filter-units"' in html and f"{unit.name}（{unit.code}）" in html


def test_the_list_filters_by_unit_name_state_and_registration_dates(agent, unit, other_unit):
    mine = register(agent, content="电梯坏了")
    svc.ticket_dispatch(actor=agent, ticket=mine, unit_code=unit.code)
    theirs = register(agent, content="停水三天")
    svc.ticket_dispatch(actor=agent, ticket=theirs, unit_code=other_unit.code)
    waiting = register(agent, content="路灯不亮")
    client = login(agent)

    def numbers(**params: str) -> set[str]:
        html = client.get("/tickets/", params).content.decode()
        return {t.number for t in (mine, theirs, waiting) if t.number in html}

    assert numbers(unit=unit.name) == {mine.number}
    assert numbers(unit=f"{other_unit.name}（{other_unit.code}）") == {theirs.number}
    assert numbers(unit=unit.code) == {mine.number}  # old links with a code still work
    assert numbers(state="registered") == {waiting.number}
    today = timezone.localdate()
    assert numbers(registered_from=str(today), registered_to=str(today)) == {
        mine.number,
        theirs.number,
        waiting.number,
    }
    assert numbers(registered_from=str(today + timedelta(days=1))) == set()
    assert numbers(registered_to=str(today - timedelta(days=1))) == set()
    refused = client.get("/tickets/", {"unit": "没有这个单位"}).content.decode()
    assert "找不到单位" in refused
    backwards = client.get(
        "/tickets/", {"registered_from": str(today), "registered_to": str(date(2020, 1, 1))}
    )
    assert "结束日期早于开始日期" in backwards.content.decode()


def test_filters_are_saved_per_user_and_replayed(agent, supervisor):
    client = login(agent)
    response = client.post(
        "/tickets/filters/", {"name": "早班逾期", "query": "state=registered&light=overdue"}
    )
    assert response.status_code == 302
    assert response["Location"].endswith("?state=registered&light=overdue")
    saved = SavedFilter.objects.get()
    html = client.get("/tickets/").content.decode()
    assert "早班逾期" in html and "?state=registered&amp;light=overdue" in html
    assert "早班逾期" not in login(supervisor).get("/tickets/").content.decode()
    assert login(supervisor).post(f"/tickets/filters/{saved.pk}/delete/").status_code == 404
    assert client.post(f"/tickets/filters/{saved.pk}/delete/").status_code == 302
    assert not SavedFilter.objects.exists()


def test_the_deadline_table_lists_clocks_in_the_order_they_run(agent, unit, unit_officer):
    ticket = register(agent)
    svc.ticket_dispatch(actor=agent, ticket=ticket, unit_code=unit.code)
    html = login(agent).get(f"/tickets/{ticket.number}/").content.decode()
    table = html[html.index('id="deadlines-h"') :]
    places = [table.index(label) for label in ("签收", "先行联系", "办理答复")]
    assert places == sorted(places)


def _closed(agent: Any) -> Ticket:
    ticket = register(agent, category="help", content="咨询路灯维修")
    svc.ticket_answer(actor=agent, ticket=ticket, content="已告知维修电话")
    svc.ticket_close(actor=agent, ticket=ticket)
    assert ticket.state == "closed"
    return ticket


def test_a_closed_ticket_offers_no_upload_form_and_takes_no_file(agent):
    ticket = _closed(agent)
    client = login(agent)
    html = client.get(f"/tickets/{ticket.number}/").content.decode()
    assert 'class="upload"' not in html and 'id="files-shut"' in html
    upload = SimpleUploadedFile("a.txt", b"hello", content_type="text/plain")
    with pytest.raises(Conflict):
        attachment_add(actor=agent, ticket=ticket, upload=upload)
    upload = SimpleUploadedFile("a.txt", b"hello", content_type="text/plain")
    response = client.post(f"/tickets/{ticket.number}/attach/", {"file": upload})
    assert response.status_code == 409
    assert not ticket.attachments.exists()


# ----------------------------------------------------------------------------- item 10


def test_the_deadline_command_works_without_a_migrated_database(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "HOTLINE_DATABASE_URL"}
    env["HOTLINE_VAR_DIR"] = str(tmp_path)
    args = ["--profile", "shanghai-962200", "--clock", "reply", "--category", "help"]
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "hotline.cli",
            "deadline",
            *args,
            "--start",
            "2026-09-30T15:00:00+08:00",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "2026-10-14T00:00:00+08:00"
    assert "未查询本中心的日历调整" in result.stderr
    helped = subprocess.run(
        [sys.executable, "-m", "hotline.cli", "deadline", "--help"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert "extension_request: the reply deadline" in " ".join(helped.stdout.split())
