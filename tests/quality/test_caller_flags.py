"""Malicious callers (INTAKE-7, TJ 第四十五条): an agent flags a number with evidence, a
supervisor confirms, the workstation shows the centre's rule, flags expire and can be appealed,
and a flag never blocks registering a ticket. The number is personal data (PRIVACY-3)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from hotline.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from hotline.core.models import AuditEntry
from hotline.quality import services as svc
from hotline.quality.selectors import flag_warning_for
from tests.quality.helpers import Api, at, register

pytestmark = pytest.mark.django_db

PHONE = "13900007777"


@pytest.fixture
def evidence(agent):
    return register(agent, phone=PHONE, when="2026-10-12 09:00")


def confirmed(agent, supervisor, evidence, when="2026-10-13 09:00"):
    flag = svc.flag_raise(
        actor=agent,
        phone=PHONE,
        reason="abuse",
        note="通话中辱骂接线员",
        ticket_numbers=[evidence.number],
        now=at("2026-10-12 10:00"),
    )
    return svc.flag_decide(actor=supervisor, flag=flag, confirm=True, now=at(when))


@pytest.mark.req("INTAKE-7")
def test_a_flag_is_raised_with_evidence_and_confirmed_by_a_supervisor(
    agent, supervisor, unit_officer, evidence
):
    other = register(agent, phone="13900008888")
    with pytest.raises(InvalidInput):
        svc.flag_raise(actor=agent, phone=PHONE, reason="abuse", note="  ")
    with pytest.raises(InvalidInput):
        svc.flag_raise(
            actor=agent, phone=PHONE, reason="abuse", note="x", ticket_numbers=[other.number]
        )
    with pytest.raises(NotFound):
        svc.flag_raise(
            actor=agent, phone=PHONE, reason="abuse", note="x", ticket_numbers=["20990101-000001"]
        )
    with pytest.raises(PermissionDenied):
        svc.flag_raise(actor=unit_officer, phone=PHONE, reason="abuse", note="x")
    flag = svc.flag_raise(
        actor=agent,
        phone=PHONE,
        reason="line",
        note="反复拨打占线",
        ticket_numbers=[evidence.number],
    )
    assert flag.state == "pending" and not flag.in_force()
    with pytest.raises(Conflict):
        svc.flag_raise(actor=agent, phone=PHONE, reason="abuse", note="再次")
    with pytest.raises(PermissionDenied):
        svc.flag_decide(actor=agent, flag=flag, confirm=True)
    with pytest.raises(InvalidInput):
        svc.flag_decide(actor=supervisor, flag=flag, confirm=False)
    done = svc.flag_decide(actor=supervisor, flag=flag, confirm=True, now=at("2026-10-13 09:00"))
    assert done.state == "confirmed"
    assert done.valid_until == at("2026-10-13 09:00") + timedelta(days=180)
    with pytest.raises(Conflict):
        svc.flag_decide(actor=supervisor, flag=flag, confirm=False, note="x")


@pytest.mark.req("INTAKE-7")
def test_a_flag_expires_after_the_centres_validity_period(
    agent, supervisor, centre_admin, evidence
):
    with pytest.raises(PermissionDenied):
        svc.flag_rule_set(actor=supervisor, script="x", validity_days=30)
    svc.flag_rule_set(actor=centre_admin, script="请礼貌提醒来电人文明用语。", validity_days=30)
    flag = confirmed(agent, supervisor, evidence)
    assert flag.in_force(at("2026-11-12 08:59"))
    assert not flag.in_force(at("2026-11-12 09:01"))
    assert flag.status(at("2026-11-12 09:01")) == "expired"
    assert svc.flag_in_force(PHONE, now=at("2026-11-13 00:00")) is None
    # Once expired, the number may be flagged again.
    again = svc.flag_raise(
        actor=agent, phone=PHONE, reason="abuse", note="再次辱骂", now=at("2026-11-20 09:00")
    )
    assert again.state == "pending"


@pytest.mark.req("INTAKE-7")
def test_an_appeal_is_recorded_and_decided_by_a_supervisor(agent, supervisor, evidence):
    flag = confirmed(agent, supervisor, evidence)
    appeal = svc.appeal_file(
        actor=agent, flag=flag, grounds="来电人称当日情绪失控，已道歉", now=at("2026-10-20 09:00")
    )
    with pytest.raises(Conflict):
        svc.appeal_file(actor=agent, flag=flag, grounds="再次申诉", now=at("2026-10-20 10:00"))
    with pytest.raises(PermissionDenied):
        svc.appeal_decide(actor=agent, appeal=appeal, uphold=True, note="x")
    dismissed = svc.appeal_decide(actor=supervisor, appeal=appeal, uphold=False, note="录音属实")
    assert dismissed.state == "dismissed"
    flag.refresh_from_db()
    assert flag.state == "confirmed"
    second = svc.appeal_file(actor=agent, flag=flag, grounds="补充材料", now=at("2026-10-21 09:00"))
    svc.appeal_decide(actor=supervisor, appeal=second, uphold=True, note="撤销标记")
    flag.refresh_from_db()
    assert flag.state == "lifted" and not flag.in_force()
    with pytest.raises(Conflict):
        svc.appeal_file(actor=agent, flag=flag, grounds="x")


@pytest.mark.req("INTAKE-7")
def test_a_flag_never_blocks_registering_a_ticket_least_of_all_an_urgent_one(
    agent, supervisor, evidence
):
    """INTAKE-7: the flag informs the agent; registering and dispatching go on as always."""
    confirmed(agent, supervisor, evidence, when="2026-10-12 11:00")
    urgent = register(agent, phone=PHONE, when="2026-10-12 12:00", urgent=True)
    assert urgent.state == "registered" and urgent.urgent
    assert svc.flag_in_force(PHONE, now=at("2026-10-12 12:00")) is not None


@pytest.mark.req("INTAKE-7", "PRIVACY-3")
def test_the_workstation_shows_the_centres_rule_and_audits_the_read(
    client, agent, supervisor, evidence
):
    confirmed(agent, supervisor, evidence, when="2026-10-12 11:00")
    client.force_login(agent)
    page = client.get(reverse("workbench:desk_caller"), {"phone": PHONE}).content.decode()
    assert "恶意来电" in page and "不影响" in page
    assert AuditEntry.objects.filter(action="caller_flag.view").count() == 1
    # A ringing line opens the desk with the number: the panel loads with it.
    desk = client.get(reverse("workbench:desk"), {"phone": PHONE}).content.decode()
    assert f'value="{PHONE}"' in desk
    clean = client.get(reverse("workbench:desk_caller"), {"phone": "13900001111"})
    assert "flag-warning" not in clean.content.decode()
    assert flag_warning_for(agent, "13900001111") is None


@pytest.mark.req("INTAKE-7", "PRIVACY-3")
def test_the_flag_api_masks_lists_and_audits_reads(agent, supervisor, unit_officer, evidence):
    desk, boss, unit = Api(agent), Api(supervisor), Api(unit_officer)
    body = {"phone": PHONE, "reason": "abuse", "note": "辱骂接线员", "tickets": [evidence.number]}
    assert unit.post("/citizens/flags", body).status_code == 403
    assert desk.post("/citizens/flags", {**body, "reason": "rude"}).status_code == 400
    assert desk.post("/citizens/flags", {**body, "phone": "abc"}).status_code == 400
    assert desk.post("/citizens/flags", {**body, "note": ""}).status_code == 400
    created = desk.post("/citizens/flags", body)
    assert created.status_code == 201, created.content
    flag = created.json()
    assert flag["state"] == "pending" and flag["tickets"] == [evidence.number]
    assert desk.post("/citizens/flags", body).status_code == 409

    listed = boss.get("/citizens/flags", state="pending").json()["results"]
    assert [f["phone"] for f in listed] == ["139****7777"] and listed[0]["note"] == ""
    assert unit.get("/citizens/flags").json() == {"results": []}
    assert boss.get("/citizens/flags", state="bogus").status_code == 400

    assert not AuditEntry.objects.filter(action="caller_flag.view").exists()
    detail = boss.get(f"/citizens/flags/{flag['id']}")
    assert detail.json()["phone"] == PHONE
    assert AuditEntry.objects.filter(action="caller_flag.view", channel="api").count() == 1
    assert unit.get(f"/citizens/flags/{flag['id']}").status_code == 404
    assert boss.get("/citizens/flags/0").status_code in (400, 422)

    fid = flag["id"]
    assert desk.post(f"/citizens/flags/{fid}/decide", {"confirm": True}).status_code == 403
    assert boss.post(f"/citizens/flags/{fid}/decide", {"confirm": "yes"}).status_code == 400
    decided = boss.post(f"/citizens/flags/{fid}/decide", {"confirm": True, "note": "属实"})
    assert decided.status_code == 200 and decided.json()["state"] == "confirmed"
    assert decided.json()["in_force"] is True
    rejected = boss.post(f"/citizens/flags/{fid}/decide", {"confirm": False, "note": "x"})
    assert rejected.status_code == 409

    check = desk.get("/citizens/flags/check", phone=PHONE).json()
    assert check["flagged"] is True and "恶意来电" in check["script"]
    assert desk.get("/citizens/flags/check", phone="13900001111").json()["flagged"] is False
    # The citizen record reports the flag in force.
    assert desk.get("/citizens", phone=PHONE).json()[0]["flagged_malicious"] is True

    appeal = desk.post(f"/citizens/flags/{fid}/appeals", {"grounds": "来电人申诉"})
    assert appeal.status_code == 201 and appeal.json()["state"] == "pending"
    aid = appeal.json()["id"]
    assert desk.post(f"/citizens/flags/{fid}/appeals", {"grounds": "again"}).status_code == 409
    assert boss.post(f"/citizens/flags/appeals/{aid}/decide", {"uphold": True}).status_code == 400
    upheld = boss.post(f"/citizens/flags/appeals/{aid}/decide", {"uphold": True, "note": "撤销"})
    assert upheld.status_code == 200 and upheld.json()["state"] == "upheld"
    assert boss.get(f"/citizens/flags/{fid}").json()["state"] == "lifted"
    assert desk.get("/citizens/flags/check", phone=PHONE).json()["flagged"] is False
