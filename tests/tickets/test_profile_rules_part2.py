"""Rules that were profile data only (issue 12, part 2), per profile, with injected clocks.

DISPATCH-3 urgent tickets (liaison call, report to management), DISPATCH-4 lead and assisting
units, HANDLE-7 matters for the unit's head, A7 reclassification, and SH 第十五条 event
reports (PUBLISH-3, A17). Through the services, then through the API.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from hotline.accounts.models import ApiToken
from hotline.core.errors import DomainError, InvalidInput
from hotline.notifications.models import InboxItem, OutboxMessage
from hotline.notifications.services import outbox_deliver
from hotline.policy.profiles import available_profiles, escalation_kinds, load_profile
from hotline.tickets import services as svc
from hotline.tickets.models import DeadlineChange, Ticket
from hotline.workbench import selectors as sel
from tests.factories import LiaisonFactory, UserFactory

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
PROFILES = available_profiles()


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


@pytest.fixture
def use_profile(settings):
    def use(name: str) -> None:
        settings.HOTLINE_PROFILE = name

    return use


def _register(agent: Any, *, urgent: bool = False, category: str = "complaint", **extra: Any):
    return svc.ticket_register(
        actor=agent,
        channel="phone",
        category=category,
        content="小区旁工地夜间施工噪音扰民",
        citizen_phone="13900007777",
        urgent=urgent,
        now=at("2026-11-02 09:00"),
        **extra,
    )


@pytest.fixture
def agent(centre):
    """An agent who also reviews, so that TJ's review step (DISPATCH-2) is one person."""
    return UserFactory(username="agent", unit=centre, roles=["agent", "reviewer"])


def _dispatch(*, actor: Any, ticket: Ticket, **kwargs: Any) -> Ticket:
    """Dispatch, after the review where the profile has one (DISPATCH-2)."""
    if load_profile(ticket.profile).review.required and ticket.state == "registered":
        svc.ticket_review(actor=actor, ticket=ticket, now=kwargs.get("now"))
    return svc.ticket_dispatch(actor=actor, ticket=ticket, **kwargs)


# ----------------------------------------------------------------------------- DISPATCH-3


@pytest.mark.req("DISPATCH-3")
@pytest.mark.parametrize("profile", PROFILES)
def test_an_urgent_dispatch_prompts_the_liaison_call_and_reports_where_the_profile_says(
    profile, use_profile, agent, unit, supervisor, centre_admin
):
    """DISPATCH-3, A12: dispatched at once; where the profile says so the liaison is phoned
    (shown and recorded) and the matter is reported to management through the outbox."""
    use_profile(profile)
    rules = load_profile(profile).urgent
    liaison = LiaisonFactory(unit=unit, name="李联络", phone="13800001234", is_primary=True)
    ticket = _register(agent, urgent=True)
    _dispatch(actor=agent, ticket=ticket, unit_code=unit.code, now=at("2026-11-02 09:05"))
    reported = ticket.events.filter(action="ticket.urgent.reported")
    assert reported.exists() is rules.report_to_management
    assert sel.liaison_prompt(ticket) is rules.phone_liaison
    if rules.report_to_management:
        message = OutboxMessage.objects.get(topic="ticket.urgent.reported", adapter="inbox")
        assert message.payload["roles"] == ["supervisor", "centre_admin"]
        outbox_deliver(now=at("2026-11-02 09:06"))
        told = set(
            InboxItem.objects.filter(message=message).values_list("user__username", flat=True)
        )
        assert told == {supervisor.username, centre_admin.username}
    if not rules.phone_liaison:
        with pytest.raises(DomainError) as refused:
            svc.ticket_liaison_call(actor=agent, ticket=ticket, now=at("2026-11-02 09:07"))
        assert refused.value.code == "liaison_call_not_required"
        return
    assert "liaison_call" in svc.ticket_actions_for(agent, ticket, at("2026-11-02 09:07"))
    svc.ticket_liaison_call(
        actor=agent, ticket=ticket, reached=False, note="无人接听", now=at("2026-11-02 09:07")
    )
    assert sel.liaison_prompt(ticket)  # not reached: still to do
    svc.ticket_liaison_call(
        actor=agent, ticket=ticket, liaison_id=liaison.pk, now=at("2026-11-02 09:10")
    )
    assert not sel.liaison_prompt(ticket)
    call = ticket.events.filter(action="ticket.liaison.called").last()
    assert call.payload == {
        "unit": unit.code,
        "liaison": "李联络",
        "phone": "13800001234",
        "reached": True,
    }
    assert svc.ticket_state_from_events(ticket) == "dispatched"


@pytest.mark.req("DISPATCH-3")
def test_a_non_urgent_ticket_has_no_liaison_call(settings, agent, unit):
    """DISPATCH-3: only urgent tickets prompt the call."""
    settings.HOTLINE_PROFILE = "shanghai-962200"
    ticket = _register(agent)
    _dispatch(actor=agent, ticket=ticket, unit_code=unit.code, now=at("2026-11-02 09:05"))
    assert not ticket.events.filter(action="ticket.urgent.reported").exists()
    with pytest.raises(DomainError):
        svc.ticket_liaison_call(actor=agent, ticket=ticket)


# ----------------------------------------------------------------------------- DISPATCH-4

#: The assisting unit's deadline for a complaint dispatched on Monday 2026-11-02 10:00: the
#: profile's own limit (A32), never later than the lead's reply deadline.
ASSIST_DUE = {
    "shanghai-962200": at("2026-11-06 00:00"),  # 3 working days
    "tianjin-88908890": at("2026-11-04 00:00"),  # 1 working day
    "qilihe-96881": at("2026-11-06 00:00"),  # 3 working days
    "national-12345": at("2026-11-06 00:00"),  # 3 working days
    "zhejiang-96345": None,  # no default deadlines (A31)
}


@pytest.mark.req("DISPATCH-4")
@pytest.mark.parametrize("profile", PROFILES)
def test_assisting_units_sign_contribute_and_the_lead_reply_waits(
    profile, use_profile, agent, unit, other_unit, unit_officer, outsider
):
    """DISPATCH-4, A32: the assisting unit signs for and sends its contribution with its own
    deadline; it is in the unit's inbox meanwhile; the lead's reply waits for it."""
    use_profile(profile)
    ticket = _register(agent)
    _dispatch(
        actor=agent,
        ticket=ticket,
        unit_code=unit.code,
        assisting=[other_unit.code],
        now=at("2026-11-02 10:00"),
    )
    assist = ticket.deadlines.filter(kind="assist", assignment__unit=other_unit).first()
    assert (assist.due_at if assist else None) == ASSIST_DUE[profile]
    reply = ticket.deadlines.filter(kind="reply").first()
    if assist is not None and reply is not None and reply.due_at is not None:
        assert assist.due_at <= reply.due_at
    assert ticket in sel.unit_inbox(outsider)
    assert ticket in sel.unit_inbox_assisting(outsider, sel.unit_inbox(outsider))
    assert svc.ticket_actions_for(outsider, ticket) == ["assist_sign"]
    svc.ticket_sign(actor=unit_officer, ticket=ticket, now=at("2026-11-02 11:00"))
    with pytest.raises(DomainError) as refused:
        svc.ticket_reply(
            actor=unit_officer,
            ticket=ticket,
            content="已处理",
            citizen_satisfaction="satisfied",  # asked under QLH 五(四)
            now=at("2026-11-03"),
        )
    assert refused.value.code == "assist_pending"
    with pytest.raises(DomainError) as refused:
        svc.ticket_assist_submit(actor=outsider, ticket=ticket, content="供水已核查")
    assert refused.value.code == "assist_not_signed"
    svc.ticket_assist_sign(actor=outsider, ticket=ticket, now=at("2026-11-02 12:00"))
    assert svc.ticket_actions_for(outsider, ticket) == ["assist_submit"]
    svc.ticket_assist_submit(
        actor=outsider, ticket=ticket, content="供水管网已核查无异常", now=at("2026-11-03 09:00")
    )
    assert ticket not in sel.unit_inbox(outsider)
    assert svc.ticket_actions_for(outsider, ticket) == []
    if assist is not None:
        assist.refresh_from_db()
        assert assist.met_at == at("2026-11-03 09:00")
    svc.ticket_reply(
        actor=unit_officer,
        ticket=ticket,
        content="已协调处理",
        citizen_satisfaction="satisfied",
        now=at("2026-11-03 10:00"),
    )
    assert ticket.state == "replied"
    assert svc.ticket_state_from_events(ticket) == "replied"


@pytest.mark.req("DISPATCH-4")
def test_the_lead_may_reply_without_a_contribution_only_by_recording_why(
    settings, agent, unit, other_unit, unit_officer, outsider
):
    """DISPATCH-4: "the lead's reply waits for them or records why not"."""
    settings.HOTLINE_PROFILE = "shanghai-962200"
    ticket = _register(agent)
    _dispatch(actor=agent, ticket=ticket, unit_code=unit.code, assisting=[other_unit.code])
    svc.ticket_sign(actor=unit_officer, ticket=ticket)
    with pytest.raises(InvalidInput):
        svc.ticket_assist_waive(
            actor=unit_officer, ticket=ticket, unit_code=other_unit.code, reason=""
        )
    with pytest.raises(DomainError) as refused:  # only the lead waives
        svc.ticket_assist_waive(
            actor=outsider, ticket=ticket, unit_code=other_unit.code, reason="x"
        )
    assert refused.value.code == "unit_not_allowed"
    svc.ticket_assist_waive(
        actor=unit_officer, ticket=ticket, unit_code=other_unit.code, reason="诉求人要求尽快答复"
    )
    assert not ticket.deadlines.filter(kind="assist", met_at__isnull=True).exists()
    assert OutboxMessage.objects.filter(topic="ticket.assist.waived", unit=other_unit).exists()
    svc.ticket_reply(actor=unit_officer, ticket=ticket, content="已处理")
    assert ticket.state == "replied"


@pytest.mark.req("DISPATCH-4")
def test_bad_assisting_lists_are_refused(settings, agent, unit, other_unit):
    """DISPATCH-4: the lead is not also assisting, and no unit assists twice."""
    settings.HOTLINE_PROFILE = "shanghai-962200"
    ticket = _register(agent)
    for assisting in ([unit.code], [other_unit.code, other_unit.code]):
        with pytest.raises(InvalidInput):
            _dispatch(actor=agent, ticket=ticket, unit_code=unit.code, assisting=assisting)
    assert Ticket.objects.get(pk=ticket.pk).state == "registered"


@pytest.mark.req("DISPATCH-4")
def test_a_return_ends_the_assisting_units_part(settings, agent, unit, other_unit, unit_officer):
    """DISPATCH-4, HANDLE-3: after a return no assisting clock is left running."""
    settings.HOTLINE_PROFILE = "shanghai-962200"
    ticket = _register(agent)
    _dispatch(actor=agent, ticket=ticket, unit_code=unit.code, assisting=[other_unit.code])
    svc.ticket_return(actor=unit_officer, ticket=ticket, reason="不属本单位职责", basis="三定方案")
    assert not ticket.deadlines.filter(kind="assist", met_at__isnull=True).exists()


# ----------------------------------------------------------------------------- HANDLE-7


@pytest.mark.req("HANDLE-7")
@pytest.mark.parametrize("profile", PROFILES)
def test_a_matter_for_the_units_head_is_replied_to_only_after_the_escalation(
    profile, use_profile, agent, unit, unit_officer
):
    """HANDLE-7, TJ 第二十条, V4: the four kinds are flagged at registration or by the unit;
    the reply waits for the escalation. Profiles without the rule refuse the flag."""
    use_profile(profile)
    kinds = [item.code for item in escalation_kinds(load_profile(profile))]
    if not kinds:
        with pytest.raises(InvalidInput):
            _register(agent, escalation=["media_attention"])
        ticket = _register(agent)
        with pytest.raises(DomainError) as refused:
            svc.ticket_escalation_flag(actor=agent, ticket=ticket, kinds=["media_attention"])
        assert refused.value.code == "escalation_not_applicable"
        return
    assert kinds == ["government_assigned", "repeatedly_raised", "major_impact", "media_attention"]
    ticket = _register(agent, escalation=["media_attention"])
    assert ticket.escalation == ["media_attention"]
    _dispatch(actor=agent, ticket=ticket, unit_code=unit.code)
    svc.ticket_sign(actor=unit_officer, ticket=ticket)
    svc.ticket_escalation_flag(
        actor=unit_officer, ticket=ticket, kinds=["repeatedly_raised"], note="第三次来电"
    )
    assert Ticket.objects.get(pk=ticket.pk).escalation == ["media_attention", "repeatedly_raised"]
    with pytest.raises(DomainError) as refused:
        svc.ticket_reply(actor=unit_officer, ticket=ticket, content="已处理")
    assert refused.value.code == "escalation_required"
    with pytest.raises(DomainError):
        svc.ticket_explain(actor=unit_officer, ticket=ticket, note="暂无法解决")
    svc.ticket_escalate(actor=unit_officer, ticket=ticket, note="已报局长研究")
    svc.ticket_reply(actor=unit_officer, ticket=ticket, content="局长督办，已处理")
    assert ticket.state == "replied"


# ----------------------------------------------------------------------------- A7


@pytest.mark.req("A7")
@pytest.mark.parametrize(
    ("profile", "before", "after"),
    [
        # SH: 5 working days → 10 (第十一条(二)), from the receipt on Monday 2026-11-02.
        ("shanghai-962200", at("2026-11-10 00:00"), at("2026-11-17 00:00")),
        # TJ: general help 2 working days → other difficult matters 7 (第十九条(二)).
        ("tianjin-88908890", at("2026-11-05 00:00"), at("2026-11-12 00:00")),
        ("qilihe-96881", None, None),  # no complex limit: nothing to reclassify
        ("zhejiang-96345", None, None),
        ("national-12345", None, None),
    ],
)
def test_a_unit_asks_to_reclassify_and_the_reply_deadline_moves_with_its_history(
    profile, before, after, use_profile, agent, unit, unit_officer, reviewer
):
    """A7: the unit asks before its first-contact deadline, the centre approves, and the
    reply deadline is recomputed from the original receipt time, its history kept (SLA-6)."""
    use_profile(profile)
    ticket = _register(agent, category="help")
    _dispatch(actor=agent, ticket=ticket, unit_code=unit.code, now=at("2026-11-02 10:00"))
    svc.ticket_sign(actor=unit_officer, ticket=ticket, now=at("2026-11-02 11:00"))
    if before is None:
        with pytest.raises(DomainError) as refused:
            svc.ticket_reclassify_request(actor=unit_officer, ticket=ticket, reason="涉及多部门")
        assert refused.value.code == "reclassify_not_allowed"
        return
    reply = ticket.deadlines.get(kind="reply")
    assert reply.due_at == before
    svc.ticket_reclassify_request(
        actor=unit_officer, ticket=ticket, reason="涉及多部门", now=at("2026-11-02 15:00")
    )
    with pytest.raises(DomainError):  # one pending request at a time
        svc.ticket_reclassify_request(actor=unit_officer, ticket=ticket, reason="again")
    with pytest.raises(InvalidInput):
        svc.ticket_reclassify_decide(actor=reviewer, ticket=ticket, decision="refused")
    svc.ticket_reclassify_decide(
        actor=reviewer, ticket=ticket, decision="approved", now=at("2026-11-03 09:00")
    )
    reply.refresh_from_db()
    assert reply.due_at == after
    assert Ticket.objects.get(pk=ticket.pk).complex
    change = DeadlineChange.objects.get(deadline=reply)
    assert (change.old_due_at, change.new_due_at, change.reason) == (before, after, "reclassified")
    assert svc.ticket_state_from_events(ticket) == "signed"


@pytest.mark.req("A7")
def test_reclassification_is_refused_after_the_first_contact_deadline(
    settings, agent, unit, unit_officer
):
    """A7: SH's first contact is due within 1 working day (Tuesday 24:00); later, no request."""
    settings.HOTLINE_PROFILE = "shanghai-962200"
    ticket = _register(agent, category="help")
    _dispatch(actor=agent, ticket=ticket, unit_code=unit.code, now=at("2026-11-02 10:00"))
    svc.ticket_sign(actor=unit_officer, ticket=ticket, now=at("2026-11-02 11:00"))
    with pytest.raises(DomainError) as refused:
        svc.ticket_reclassify_request(
            actor=unit_officer, ticket=ticket, reason="涉及多部门", now=at("2026-11-04 00:01")
        )
    assert refused.value.code == "reclassify_not_allowed"


# ----------------------------------------------------------------------------- SH 第十五条


@pytest.mark.req("PUBLISH-3")
@pytest.mark.parametrize("profile", PROFILES)
def test_a_sudden_event_starts_its_two_report_clocks(
    profile, use_profile, agent, unit, unit_officer
):
    """PUBLISH-3, SH 第十五条, A17: oral report within 30 minutes of the event, written
    follow-up within 2 hours; both carry lights and are met by recording the reports.
    Profiles without these clocks refuse the flag."""
    use_profile(profile)
    ticket = _register(agent)
    _dispatch(actor=agent, ticket=ticket, unit_code=unit.code, now=at("2026-11-02 10:00"))
    flag = {"actor": unit_officer, "ticket": ticket, "note": "燃气泄漏，已疏散"}
    if profile != "shanghai-962200":
        with pytest.raises(DomainError) as refused:
            svc.ticket_event_flag(**flag, now=at("2026-11-02 10:30"))
        assert refused.value.code == "event_report_not_applicable"
        return
    with pytest.raises(InvalidInput):  # the event cannot lie in the future
        svc.ticket_event_flag(**flag, event_at=at("2026-11-02 11:00"), now=at("2026-11-02 10:30"))
    svc.ticket_event_flag(**flag, event_at=at("2026-11-02 10:20"), now=at("2026-11-02 10:30"))
    oral = ticket.deadlines.get(kind="event_report")
    written = ticket.deadlines.get(kind="event_followup")
    assert (oral.due_at, written.due_at) == (at("2026-11-02 10:50"), at("2026-11-02 12:20"))
    assert oral.assignment.unit == unit
    assert oral.light(at("2026-11-02 10:30")) == "normal"
    assert oral.light(at("2026-11-02 10:45")) == "warning"
    assert oral.light(at("2026-11-02 10:51")) == "overdue"
    assert OutboxMessage.objects.filter(topic="ticket.event.flagged").exists()
    with pytest.raises(DomainError):  # flagged once
        svc.ticket_event_flag(**flag, now=at("2026-11-02 10:31"))
    svc.ticket_event_report(
        actor=unit_officer,
        ticket=ticket,
        kind="oral",
        note="已口头报告管理办公室张主任",
        now=at("2026-11-02 10:40"),
    )
    with pytest.raises(DomainError) as refused:
        svc.ticket_event_report(actor=unit_officer, ticket=ticket, kind="oral", note="again")
    assert refused.value.code == "event_report_recorded"
    oral.refresh_from_db()
    assert oral.light(at("2026-11-02 11:00")) == "met"
    svc.ticket_event_report(
        actor=unit_officer,
        ticket=ticket,
        kind="written",
        note="书面续报已送",
        now=at("2026-11-02 12:00"),
    )
    assert not ticket.deadlines.filter(kind__in=svc.EVENT_CLOCKS, met_at__isnull=True).exists()
    assert svc.ticket_state_from_events(ticket) == "dispatched"


# ----------------------------------------------------------------------------- the API


class Api:
    def __init__(self, user: Any) -> None:
        _, raw = ApiToken.issue(user=user, name="test")
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")

    def get(self, path: str) -> Any:
        return self.client.get(f"/api/v1{path}")

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        return self.client.post(
            f"/api/v1{path}", json.dumps(body or {}), content_type="application/json"
        )


def _ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.json()
    return response.json()


def _refused(response: Any, status: int, code: str | None = None) -> None:
    body = response.json()
    assert response.status_code == status, body
    assert set(body) >= {"code", "message"}
    if code is not None:
        assert body["code"] == code


NEW_TICKET = {
    "category": "complaint",
    "content": "小区燃气管道异味",
    "citizen": {"phone": "13900002222"},
}


@pytest.mark.req("DISPATCH-3")
@pytest.mark.req("DISPATCH-4")
@pytest.mark.req("PUBLISH-3")
@pytest.mark.req("A7")
def test_the_part_two_actions_through_the_api_under_shanghai(
    settings, agent, unit, other_unit, unit_officer, outsider, reviewer
):
    """SH: urgent dispatch with an assisting unit, the liaison call, the assisting unit's
    contribution, reclassification and the event report, each a POST with a JSON answer."""
    settings.HOTLINE_PROFILE = "shanghai-962200"
    LiaisonFactory(unit=unit, name="王联络", phone="13800005678", is_primary=True)
    centre, lead, helper, boss = Api(agent), Api(unit_officer), Api(outsider), Api(reviewer)
    with time_machine.travel(at("2026-11-02 09:00"), tick=False):
        number = _ok(centre.post("/tickets", {**NEW_TICKET, "urgent": True}), 201)["number"]
        _refused(
            centre.post(
                f"/tickets/{number}/dispatch", {"unit": unit.code, "assisting": [unit.code]}
            ),
            400,
        )
        t = _ok(
            centre.post(
                f"/tickets/{number}/dispatch", {"unit": unit.code, "assisting": [other_unit.code]}
            )
        )
        assert [(u["code"], u["role"]) for u in t["units"]] == [
            (unit.code, "lead"),
            (other_unit.code, "assist"),
        ]
        assert [x["name"] for x in t["liaisons"]] == ["王联络"]
        assert "liaison_call" in t["allowed_actions"]
        assert any(e["action"] == "ticket.urgent.reported" for e in t["events"])
        assist = next(d for d in t["deadlines"] if d["kind"] == "assist")
        assert (assist["unit_code"], assist["label"]) == (other_unit.code, "协办意见")
        _refused(centre.post(f"/tickets/{number}/liaison-call", {"liaison": 999_999}), 400)
        t = _ok(centre.post(f"/tickets/{number}/liaison-call", {"reached": True}))
        assert t["events"][-1]["payload"]["liaison"] == "王联络"
    with time_machine.travel(at("2026-11-02 10:00"), tick=False):
        _ok(lead.post(f"/tickets/{number}/sign"))
        t = _ok(helper.get(f"/tickets/{number}"))
        assert t["allowed_actions"] == ["assist_sign"]
        _refused(lead.post(f"/tickets/{number}/assist/sign"), 403, "unit_not_allowed")
        _ok(helper.post(f"/tickets/{number}/assist/sign"))
        _refused(helper.post(f"/tickets/{number}/assist/contribution", {"content": " "}), 400)
        _refused(
            lead.post(f"/tickets/{number}/reply", {"content": "已处理"}), 409, "assist_pending"
        )
        t = _ok(helper.post(f"/tickets/{number}/assist/contribution", {"content": "已排查"}))
        assert next(u for u in t["units"] if u["role"] == "assist")["contribution"] == "已排查"
    with time_machine.travel(at("2026-11-02 11:00"), tick=False):
        _refused(lead.post(f"/tickets/{number}/event", {"note": ""}), 400)
        t = _ok(
            lead.post(
                f"/tickets/{number}/event",
                {"event_at": "2026-11-02T10:35:00+08:00", "note": "燃气泄漏"},
            )
        )
        oral = next(d for d in t["deadlines"] if d["kind"] == "event_report")
        assert oral["light"] == "warning"  # 25 of its 30 minutes gone
        _refused(lead.post(f"/tickets/{number}/event/report", {"kind": "loud", "note": "x"}), 400)
        t = _ok(lead.post(f"/tickets/{number}/event/report", {"kind": "oral", "note": "已报告"}))
        assert next(d for d in t["deadlines"] if d["kind"] == "event_report")["light"] == "met"
        _ok(lead.post(f"/tickets/{number}/reclassify", {"reason": "涉及多部门"}))
        t = _ok(boss.post(f"/tickets/{number}/reclassify/decision", {"decision": "approved"}))
        assert t["complex"] is True
        reply = next(d for d in t["deadlines"] if d["kind"] == "reply")
        assert reply["history"][0]["reason"] == "reclassified"
        assert t["reclassifications"][0]["status"] == "approved"
        _refused(boss.post(f"/tickets/{number}/reclassify/decision", {"decision": "approved"}), 409)


@pytest.mark.req("HANDLE-7")
def test_escalation_through_the_api_under_tianjin(settings, agent, unit, unit_officer):
    """HANDLE-7: flagged at registration; 409 on reply until the escalation is recorded."""
    settings.HOTLINE_PROFILE = "tianjin-88908890"
    centre, lead = Api(agent), Api(unit_officer)
    _refused(centre.post("/tickets", {**NEW_TICKET, "escalation": ["nonsense"]}), 400)
    t = _ok(centre.post("/tickets", {**NEW_TICKET, "escalation": ["government_assigned"]}), 201)
    number = t["number"]
    assert t["escalation"] == ["government_assigned"]
    _ok(centre.post(f"/tickets/{number}/review"))  # DISPATCH-2: TJ reviews first
    _ok(centre.post(f"/tickets/{number}/dispatch", {"unit": unit.code}))
    _ok(lead.post(f"/tickets/{number}/sign"))
    t = _ok(lead.post(f"/tickets/{number}/escalation-flag", {"kinds": ["major_impact"]}))
    assert t["escalation"] == ["government_assigned", "major_impact"]
    _refused(
        lead.post(f"/tickets/{number}/reply", {"content": "已处理"}), 409, "escalation_required"
    )
    _ok(lead.post(f"/tickets/{number}/escalate", {"note": "已报主任"}))
    assert _ok(lead.post(f"/tickets/{number}/reply", {"content": "已处理"}))["state"] == "replied"


def test_an_outsider_cannot_take_the_assisting_actions(settings, agent, unit, other_unit):
    """DISPATCH-4: a unit that neither leads nor assists does not even see the ticket."""
    settings.HOTLINE_PROFILE = "shanghai-962200"
    stranger = UserFactory(
        unit=other_unit.__class__.objects.create(code="X1", name="无关单位", kind="department"),
        roles=["unit_handler"],
    )
    ticket = _register(agent)
    _dispatch(actor=agent, ticket=ticket, unit_code=unit.code, assisting=[other_unit.code])
    _refused(Api(stranger).post(f"/tickets/{ticket.number}/assist/sign"), 404)
