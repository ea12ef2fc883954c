"""Issue 12, part 1: every rule of a profile applied, through the services, the API and the pages.

Each test names the requirement or reading it shows; times are injected (``now=``) or travelled
to (time-machine) so that the lights are those of a known instant.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.utils import translation

from hotline.accounts.models import ApiToken
from hotline.core.errors import DomainError, InvalidInput
from hotline.notifications.models import OutboxMessage
from hotline.policy.profiles import POLICIES_DIR, ProfileError, load_profile, load_profile_file
from hotline.tickets import services as svc
from hotline.tickets.counts import unit_dispatch_counts
from hotline.tickets.models import CitizenNotice, Deadline, Ticket, TicketEvent
from hotline.tickets.sweep import deadlines_sweep
from hotline.workbench import forms as f
from hotline.workbench import selectors as sel

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
QLH, TJ, SH, ZJ, NAT = (
    "qilihe-96881",
    "tianjin-88908890",
    "shanghai-962200",
    "zhejiang-96345",
    "national-12345",
)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


class Api:
    """JSON with a Bearer token, as outside systems call it."""

    def __init__(self, user: Any) -> None:
        _, raw = ApiToken.issue(user=user, name="test")
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")

    def get(self, path: str) -> Any:
        return self.client.get(f"/api/v1{path}")

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        return self.client.post(
            f"/api/v1{path}", json.dumps(body or {}), content_type="application/json"
        )


def register(agent: Any, when: str = "2026-11-02 09:00", **extra: Any) -> Ticket:
    fields: dict[str, Any] = {
        "actor": agent,
        "channel": "phone",
        "category": "complaint",
        "content": "小区旁工地夜间施工噪音扰民",
        "citizen_phone": "13900007777",
        "now": at(when),
    }
    fields.update(extra)
    return svc.ticket_register(**fields)


def dispatched(agent: Any, unit: Any, reviewer: Any = None, **extra: Any) -> Ticket:
    ticket = register(agent, **extra)
    if load_profile(ticket.profile).review.required:
        svc.ticket_review(actor=reviewer, ticket=ticket, now=at("2026-11-02 09:30"))
    svc.ticket_dispatch(
        actor=reviewer or agent, ticket=ticket, unit_code=unit.code, now=at("2026-11-02 10:00")
    )
    return ticket


# ----------------------------------------------------------------------- 1. a window, not a duty


@pytest.mark.req("A5")
def test_a_qilihe_ticket_left_unreturned_for_a_week_shows_only_its_real_deadlines(
    settings, agent, unit, unit_officer, supervisor
):
    """A5, A29, QLH 五(二): the 2-day return window is not owed: no light, no warning, no
    breach, no notification; the ticket shows the light of its reply deadline only."""
    settings.HOTLINE_PROFILE = QLH
    ticket = dispatched(agent, unit)
    assert not ticket.deadlines.filter(kind="return").exists()
    week_later = at("2026-11-09 10:00")
    assert deadlines_sweep(now=week_later).overdue == 0
    assert not TicketEvent.objects.filter(action__startswith="ticket.deadline.").exists()
    assert not OutboxMessage.objects.filter(title__contains="退回").exists()
    totals, _rows = sel.board_rows(supervisor, week_later)
    assert totals["overdue"] == 0
    assert not list(sel.recent_breaches(supervisor, week_later))
    with time_machine.travel(week_later, tick=False):
        body = Api(unit_officer).get(f"/tickets/{ticket.number}").json()
    assert body["light"] == "normal"
    assert [d["kind"] for d in body["deadlines"]] == ["reply"]
    assert {d["light"] for d in body["deadlines"]} == {"normal"}
    assert body["return_window"]["open"] is False
    assert body["return_window"]["until"].startswith("2026-11-05T00:00:00")  # 11-04 24:00
    assert "return" not in body["allowed_actions"]


@pytest.mark.req("A5")
def test_a_return_after_the_window_closes_is_refused_with_the_reason(
    settings, agent, unit, unit_officer
):
    """A5, QLH 五(二) "次日起2日内退回": after 11-04 24:00 the return is refused, saying why."""
    settings.HOTLINE_PROFILE = QLH
    ticket = dispatched(agent, unit)
    body = {"ground": "not_our_jurisdiction", "reason": "职责清单无此事项", "basis": "三定方案"}
    with time_machine.travel(at("2026-11-05 00:00"), tick=False):
        response = Api(unit_officer).post(f"/tickets/{ticket.number}/return", body)
    assert response.status_code == 409
    error = response.json()
    assert error["code"] == "return_window_closed"
    assert "2026-11-04 24:00" in error["message"]
    assert "QLH-96881 五(二)" in error["message"]
    with time_machine.travel(at("2026-11-04 23:59"), tick=False):
        response = Api(unit_officer).post(f"/tickets/{ticket.number}/return", body)
    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "returned"


# ----------------------------------------------------------------- 2. who tells the citizen


def _extended(settings: Any, profile: str, agent: Any, unit: Any, officer: Any, **kw: Any) -> Any:
    settings.HOTLINE_PROFILE = profile
    ticket = dispatched(agent, unit, kw.get("reviewer"))
    svc.ticket_sign(actor=officer, ticket=ticket, now=at("2026-11-02 11:00"))
    request = svc.ticket_extension_request(
        actor=officer,
        ticket=ticket,
        until=at("2026-11-30 00:00"),
        reason="情况复杂",
        basis="需多部门会商",
        now=at("2026-11-04 10:00"),
    )
    svc.ticket_extension_decide(
        actor=kw["decider"],
        ticket=ticket,
        extension_id=request.pk,
        decision="approved",
        now=at("2026-11-05 10:00"),
    )
    return ticket


@pytest.mark.req("HANDLE-5")
def test_tianjin_the_centre_gets_the_task_of_telling_the_citizen(
    settings, agent, reviewer, supervisor, unit, unit_officer
):
    """HANDLE-5, T7, TJ 第二十一条: "专线服务中心应当及时将延期办结时限和原因告知求助群众":
    the centre gets the to-do; recording who told the citizen, when and how closes it."""
    ticket = _extended(
        settings, TJ, agent, unit, unit_officer, reviewer=reviewer, decider=supervisor
    )
    notice = CitizenNotice.objects.get(ticket=ticket)
    assert (notice.party, notice.unit, notice.told_at) == ("centre", None, None)
    assert OutboxMessage.objects.filter(
        topic="ticket.citizen_notice", unit__isnull=True, ticket=ticket
    ).exists()
    assert list(sel.citizen_notices_open(agent)) == [notice]
    assert list(sel.citizen_notices_open(unit_officer)) == []
    assert "tell_citizen" in svc.ticket_actions_for(agent, ticket)
    refused = Api(unit_officer).post(f"/tickets/{ticket.number}/tell-citizen", {"how": "phone"})
    assert refused.status_code == 403
    assert refused.json()["code"] == "not_your_notice"
    bad = Api(agent).post(f"/tickets/{ticket.number}/tell-citizen", {"how": "pigeon"})
    assert bad.status_code == 400
    with time_machine.travel(at("2026-11-05 11:00"), tick=False):
        done = Api(agent).post(
            f"/tickets/{ticket.number}/tell-citizen",
            {"how": "phone", "told_by": "坐席小张", "told_at": "2026-11-05T10:30:00+08:00"},
        )
    assert done.status_code == 200, done.json()
    told = done.json()["citizen_notices"][0]
    assert (told["told_by"], told["how"]) == ("坐席小张", "phone")
    assert told["told_at"].startswith("2026-11-05T10:30:00")
    event = ticket.events.get(action="ticket.citizen_told")
    assert event.payload["how"] == "phone"
    assert "tell_citizen" not in done.json()["allowed_actions"]
    again = Api(agent).post(f"/tickets/{ticket.number}/tell-citizen", {"how": "phone"})
    assert again.status_code == 409


@pytest.mark.req("HANDLE-5")
def test_qilihe_the_unit_tells_the_citizen(settings, agent, supervisor, unit, unit_officer):
    """HANDLE-5, T7, QLH 五(四): "由呼叫分中心将延期办理时限和理由告知诉求人"."""
    ticket = _extended(settings, QLH, agent, unit, unit_officer, decider=supervisor)
    notice = CitizenNotice.objects.get(ticket=ticket)
    assert (notice.party, notice.unit) == ("unit", unit)
    with pytest.raises(DomainError) as refused:
        svc.ticket_tell_citizen(actor=agent, ticket=ticket, how="phone", now=at("2026-11-05 11:00"))
    assert refused.value.code == "not_your_notice"
    svc.ticket_tell_citizen(
        actor=unit_officer, ticket=ticket, how="sms", now=at("2026-11-05 11:00")
    )
    notice.refresh_from_db()
    assert notice.how == "sms"
    assert notice.told_by == unit_officer


@pytest.mark.req("HANDLE-5")
def test_a_profile_limit_on_telling_the_citizen_gives_the_to_do_a_deadline(
    settings, agent, supervisor, unit, unit_officer, monkeypatch
):
    """HANDLE-5: where the profile sets ``extension.tells_citizen_within``, the to-do has its
    own deadline, met when the citizen is told."""
    from hotline.policy.profiles import Rule

    profile = load_profile(QLH)
    within = Rule.model_validate({"unit": "working_days", "length": 1, "basis": "QLH-96881 x"})
    patched = profile.model_copy(
        update={"extension": profile.extension.model_copy(update={"tells_citizen_within": within})}
    )
    monkeypatch.setattr(svc, "load_profile", lambda name: patched if name == QLH else None)
    ticket = _extended(settings, QLH, agent, unit, unit_officer, decider=supervisor)
    notice = CitizenNotice.objects.get(ticket=ticket)
    assert notice.deadline is not None
    assert notice.deadline.due_at == at("2026-11-07 00:00")  # 11-06 24:00
    svc.ticket_tell_citizen(
        actor=unit_officer, ticket=ticket, how="phone", now=at("2026-11-06 09:00")
    )
    assert Deadline.objects.get(pk=notice.deadline_id).met_at == at("2026-11-06 09:00")


# --------------------------------------------------------- 3. direct answers evaluated at once


@pytest.mark.req("ANSWER-3")
def test_tianjin_a_direct_answer_cannot_close_without_its_evaluation(settings, agent):
    """ANSWER-3, TJ 第二十五条 "答复完毕后即时进行评价": close waits for the evaluation (or a
    recorded "declined")."""
    settings.HOTLINE_PROFILE = TJ
    ticket = register(agent, category="consultation")
    svc.ticket_answer(actor=agent, ticket=ticket, content="可在政务网办理。")
    api = Api(agent)
    refused = api.post(f"/tickets/{ticket.number}/close")
    assert refused.status_code == 409
    assert refused.json()["code"] == "evaluation_missing"
    assert "close" not in api.get(f"/tickets/{ticket.number}").json()["allowed_actions"]
    assert api.post(f"/tickets/{ticket.number}/evaluate", {"result": "great"}).status_code == 400
    done = api.post(f"/tickets/{ticket.number}/evaluate", {"result": "declined"})
    assert done.status_code == 200, done.json()
    assert done.json()["evaluation"] == "declined"
    assert (
        api.post(f"/tickets/{ticket.number}/evaluate", {"result": "satisfied"}).status_code == 409
    )
    assert api.post(f"/tickets/{ticket.number}/close").json()["state"] == "closed"


@pytest.mark.req("ANSWER-3")
@pytest.mark.parametrize("profile", [SH, QLH, ZJ, NAT])
def test_elsewhere_a_direct_answer_closes_without_evaluation(settings, agent, profile):
    """ANSWER-3 is TJ's rule: the other profiles close a direct answer without it."""
    settings.HOTLINE_PROFILE = profile
    ticket = register(agent, category="consultation")
    svc.ticket_answer(actor=agent, ticket=ticket, content="可在政务网办理。")
    svc.ticket_close(actor=agent, ticket=ticket)
    assert ticket.state == "closed"


@pytest.mark.req("ANSWER-3")
def test_the_desk_asks_the_evaluation_where_the_profile_requires_it(settings, agent):
    """ANSWER-3: the workstation's answer needs the caller's evaluation under TJ."""
    settings.HOTLINE_PROFILE = TJ
    client = Client()
    client.force_login(agent)
    call = {
        "phone": "13900002222",
        "content": "公积金怎么提取",
        "category": "consultation",
        "outcome": "answer",
        "answer": "携带身份证到公积金中心办理。",
    }
    assert client.post("/desk/", call).status_code == 400
    assert not Ticket.objects.exists()
    assert client.post("/desk/", {**call, "evaluation": "satisfied"}).status_code == 302
    assert Ticket.objects.get().evaluation == "satisfied"


# ------------------------------------------------------------------ 4. every clock's start


@pytest.mark.req("ANSWER-2")
def test_tianjin_a_deferred_answer_counts_from_the_call(settings, agent):
    """ANSWER-2, T10, TJ 第十七条: "不能当场确定答案的,应当在1个小时内进行解答" — from the
    call (``starts = "call"``), not from the moment the agent deferred."""
    settings.HOTLINE_PROFILE = TJ
    ticket = register(agent, when="2026-11-02 10:00", category="consultation")
    svc.ticket_defer(actor=agent, ticket=ticket, now=at("2026-11-02 10:40"))
    deadline = ticket.deadlines.get(kind="deferred_answer")
    assert (deadline.start_at, deadline.due_at) == (at("2026-11-02 10:00"), at("2026-11-02 11:00"))


@pytest.mark.req("SLA-1")
def test_tianjin_the_dispatch_clock_starts_at_review(settings, agent, reviewer, monkeypatch):
    """SLA-1, TJ 第十七条 "审核后即时转": the dispatch clock starts at the review, not at
    registration (``starts = "review"``); other profiles start it at registration."""
    settings.HOTLINE_PROFILE = TJ
    started: list[tuple[str, str]] = []
    real = svc._deadline_row
    monkeypatch.setattr(
        svc,
        "_deadline_row",
        lambda ticket, kind, **kw: (
            started.append((kind, kw["start"].isoformat())) or real(ticket, kind, **kw)
        ),
    )
    ticket = register(agent, when="2026-11-02 10:00")
    assert [k for k, _ in started if k == "dispatch"] == []
    svc.ticket_review(actor=reviewer, ticket=ticket, now=at("2026-11-02 10:20"))
    assert ("dispatch", at("2026-11-02 10:20").isoformat()) in started
    settings.HOTLINE_PROFILE = SH
    started.clear()
    register(agent, when="2026-11-02 10:00")
    assert ("dispatch", at("2026-11-02 10:00").isoformat()) in started


@pytest.mark.req("SLA-1")
def test_a_clock_with_a_start_the_lifecycle_cannot_apply_is_refused(tmp_path: Path) -> None:
    """Issue 12: no ``starts`` is ignored: a start the code cannot apply fails the load."""
    text = (POLICIES_DIR / f"{SH}.toml").read_text(encoding="utf-8")
    text = text.replace('[clocks.reply]\nstarts = "receipt"', '[clocks.reply]\nstarts = "close"')
    path = tmp_path / f"{SH}.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProfileError, match=r"clocks\.reply\.starts: 'close' cannot start"):
        load_profile_file(path)


@pytest.mark.req("A4")
def test_receipt_at_sign_for_starts_the_unit_clocks_when_the_unit_signs(
    settings, agent, unit, unit_officer, monkeypatch
):
    """A4: with ``receipt = "sign_for"`` the clocks that start at receipt start at sign-for."""
    profile = load_profile(NAT)
    patched = profile.model_copy(
        update={"profile": profile.profile.model_copy(update={"receipt": "sign_for"})}
    )
    monkeypatch.setattr(svc, "load_profile", lambda name: patched)
    ticket = dispatched(agent, unit)
    assert set(ticket.deadlines.values_list("kind", flat=True)) == {"dispatch", "sign_for"}
    svc.ticket_sign(actor=unit_officer, ticket=ticket, now=at("2026-11-03 15:00"))
    reply = ticket.deadlines.get(kind="reply")
    assert reply.start_at == at("2026-11-03 15:00")


# ------------------------------------------------------------------------------ 5. returns

RETURNS = [
    # profile, body, accepted?  (A29: SH, TJ, ZJ ask a reason only; QLH a ground, reason, basis)
    (SH, {"reason": "不属本单位职责"}, True),
    (TJ, {"reason": "不属本单位职责"}, True),
    (ZJ, {"reason": "不属本部门职责"}, True),
    (NAT, {"reason": "不属本单位职责"}, False),  # our reading asks a basis too
    (NAT, {"reason": "不属本单位职责", "basis": "三定方案"}, True),
    (QLH, {"reason": "不属本单位职责", "basis": "三定方案"}, False),  # no ground chosen
    (QLH, {"ground": "somebody_else", "reason": "x", "basis": "y"}, False),
    (QLH, {"ground": "other_lead_unit", "reason": "应由区住建局主办"}, False),  # no basis
    (QLH, {"ground": "other_lead_unit", "reason": "应由区住建局主办", "basis": "三定方案"}, True),
]


@pytest.mark.req("HANDLE-3")
@pytest.mark.parametrize(("profile", "body", "accepted"), RETURNS)
def test_a_return_needs_what_the_profile_requires(
    settings, agent, reviewer, unit, unit_officer, profile, body, accepted
):
    """HANDLE-3, A29, T2(c): a basis only where required; QLH's two grounds are the choice."""
    settings.HOTLINE_PROFILE = profile
    ticket = dispatched(agent, unit, reviewer)
    with time_machine.travel(at("2026-11-02 11:00"), tick=False):
        response = Api(unit_officer).post(f"/tickets/{ticket.number}/return", body)
    if accepted:
        assert response.status_code == 200, response.json()
        returned = ticket.events.get(action="ticket.returned")
        assert returned.payload["ground"] == body.get("ground", "")
    else:
        assert response.status_code == 400
        assert set(response.json()) >= {"code", "message"}


@pytest.mark.req("HANDLE-3")
def test_the_return_form_follows_the_profile(settings):
    """HANDLE-3, T2(c): QLH offers its two grounds as a required choice; SH asks no basis."""
    settings.HOTLINE_PROFILE = QLH
    form = f.ReturnForm()
    assert [c for c, _ in form.fields["ground"].choices] == [
        "",
        "not_our_jurisdiction",
        "other_lead_unit",
    ]
    assert form.fields["ground"].required and form.fields["basis"].required
    settings.HOTLINE_PROFILE = SH
    form = f.ReturnForm()
    assert not form.fields["ground"].required and not form.fields["basis"].required


@pytest.mark.req("HANDLE-3")
def test_returns_and_repeated_dispatches_are_counted_per_unit(
    settings, agent, inspector, callback_agent, unit, other_unit, unit_officer
):
    """HANDLE-3, QLH 六(二), A15: each return counts for the unit that returned; each
    re-dispatch and redo counts as 重复派遣 for the unit that receives it."""
    from tests.factories import UserFactory

    settings.HOTLINE_PROFILE = QLH
    ticket = dispatched(agent, unit)
    svc.ticket_return(
        actor=unit_officer,
        ticket=ticket,
        ground="not_our_jurisdiction",
        reason="不属本单位",
        basis="三定方案",
        now=at("2026-11-03 09:00"),
    )
    svc.ticket_redispatch(
        actor=agent, ticket=ticket, unit_code=other_unit.code, now=at("2026-11-03 10:00")
    )
    other_officer = UserFactory(unit=other_unit, roles=["unit_handler"])
    svc.ticket_sign(actor=other_officer, ticket=ticket, now=at("2026-11-03 11:00"))
    svc.ticket_reply(
        actor=other_officer,
        ticket=ticket,
        content="已处理",
        citizen_satisfaction="dissatisfied",
        now=at("2026-11-04 11:00"),
    )
    svc.ticket_callback(
        actor=callback_agent, ticket=ticket, result="dissatisfied", now=at("2026-11-05 10:00")
    )
    # QLH 五(六), issue 13: the redo order goes out with the dissatisfied result.
    assert ticket.state == "dispatched"
    counts = unit_dispatch_counts(unit_ids=[unit.pk, other_unit.pk])
    assert (counts[unit.pk].received, counts[unit.pk].returned, counts[unit.pk].repeated) == (
        1,
        1,
        0,
    )
    assert counts[other_unit.pk].returned == 0
    assert (counts[other_unit.pk].redispatched, counts[other_unit.pk].redone) == (1, 1)
    client = Client()
    client.force_login(unit_officer)
    page = client.get("/unit/").content.decode()
    assert 'id="dispatch-counts"' in page


# ------------------------------------------------------------- 6. QLH asks the satisfaction


@pytest.mark.req("HANDLE-4")
@pytest.mark.parametrize(("profile", "required"), [(QLH, True), (TJ, False), (NAT, False)])
def test_the_reply_records_the_citizens_satisfaction_where_the_profile_asks(
    settings, agent, reviewer, unit, unit_officer, profile, required
):
    """HANDLE-4, T5, QLH 五(四) "答复诉求人时,应征求诉求人对办理结果是否满意的意见"."""
    settings.HOTLINE_PROFILE = profile
    ticket = dispatched(agent, unit, reviewer)
    svc.ticket_sign(actor=unit_officer, ticket=ticket, now=at("2026-11-02 11:00"))
    api = Api(unit_officer)
    bare = api.post(f"/tickets/{ticket.number}/reply", {"content": "已协调停工"})
    if required:
        assert bare.status_code == 400
        assert set(bare.json()) == {"code", "message"}
        assert f.ReplyForm().fields["citizen_satisfaction"].required
        done = api.post(
            f"/tickets/{ticket.number}/reply",
            {"content": "已协调停工", "citizen_satisfaction": "basically_satisfied"},
        )
        assert done.status_code == 200, done.json()
        event = ticket.events.get(action="ticket.replied")
        assert event.payload["citizen_satisfaction"] == "basically_satisfied"
    else:
        assert bare.status_code == 200, bare.json()
        assert not f.ReplyForm().fields["citizen_satisfaction"].required


def test_a_satisfaction_outside_the_scale_is_refused(settings, agent, unit, unit_officer):
    settings.HOTLINE_PROFILE = NAT
    ticket = dispatched(agent, unit)
    svc.ticket_sign(actor=unit_officer, ticket=ticket)
    with pytest.raises(InvalidInput):
        svc.ticket_reply(
            actor=unit_officer, ticket=ticket, content="已处理", citizen_satisfaction="happy"
        )


# ------------------------------------------------------------ 7. urgent is not emergency


@pytest.mark.req("A12")
def test_the_urgent_flag_does_not_use_the_emergency_referrals_word(settings, agent):
    """A12, S4: *urgent* (accepted, fast-tracked) and the emergency referral (110/119/120, not
    accepted) are two flags; the desk never calls the first by the second's word."""
    emergency_words = {"紧急"}
    for name in (SH, TJ, QLH):
        texts = [r.text for r in load_profile(name).scope.not_accepted if r.emergency]
        assert texts and all(any(w in t for w in emergency_words) for t in texts)
    with translation.override("zh-hans"):
        label = str(f.CallForm().fields["urgent"].label)
        tag = translation.gettext("Urgent")
    assert label and tag != "Urgent"
    assert not any(w in label or w in tag for w in emergency_words)
    settings.HOTLINE_PROFILE = SH
    ticket = register(agent, urgent=True)
    client = Client()
    client.force_login(agent)
    page = client.get(f"/tickets/{ticket.number}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert tag in page.content.decode()


# ------------------------------------------------------------------- 8. TJ 第二十条 moved


@pytest.mark.req("HANDLE-7")
def test_tianjin_article_20_is_where_handle_7_reads_it_not_a_supervision_trigger() -> None:
    """HANDLE-7, V4: TJ 第二十条 lists matters the unit takes to its principal leader; it is
    not a supervision (督办) trigger."""
    profile = load_profile(TJ)
    assert not [t for t in profile.supervision.triggers if "第二十条" in t.basis]
    assert profile.escalation is not None
    assert profile.escalation.to == "承办单位主要负责人"
    assert [(m.code, m.basis) for m in profile.escalation.matters] == [
        ("government_assigned", "TJ-88908890 第二十条(一)"),
        ("repeatedly_raised", "TJ-88908890 第二十条(二)"),
        ("major_impact", "TJ-88908890 第二十条(三)"),
        ("media_attention", "TJ-88908890 第二十条(四)"),
    ]
    assert all(load_profile(n).escalation is None for n in (SH, QLH, ZJ, NAT))


# ---------------------------------------------------------------- SCOPE-3 navigation help


@pytest.mark.req("SCOPE-3")
def test_navigation_help_is_recorded_as_such_and_counted_apart(settings, agent, unit, unit_officer):
    """SCOPE-3, SH 第八条, A20: the help given and where the caller was pointed; the ticket
    ends as ``navigated``, apart from answers and refusals."""
    settings.HOTLINE_PROFILE = SH
    api = Api(agent)
    ticket = register(agent, category="consultation")
    assert api.post(f"/tickets/{ticket.number}/navigate", {"note": "已告知"}).status_code == 400
    refused = Api(unit_officer).post(
        f"/tickets/{ticket.number}/navigate", {"note": "x", "pointed_to": "y"}
    )
    assert refused.status_code in (403, 404)
    done = api.post(
        f"/tickets/{ticket.number}/navigate",
        {"note": "非民政职能，已告知办理渠道", "pointed_to": "区人社局 12333"},
    )
    assert done.status_code == 200, done.json()
    body = done.json()
    assert (body["state"], body["light"]) == ("navigated", "normal")
    event = ticket.events.get(action="ticket.navigated")
    assert event.payload == {"pointed_to": "区人社局 12333"}
    assert not ticket.deadlines.filter(met_at__isnull=True).exists()
    assert Ticket.objects.filter(state="navigated").count() == 1
    assert Ticket.objects.filter(state__in=["answered", "not_accepted"]).count() == 0
    other = dispatched(agent, unit)
    late = api.post(f"/tickets/{other.number}/navigate", {"note": "x", "pointed_to": "y"})
    assert late.status_code == 409


@pytest.mark.req("SCOPE-3")
def test_the_desk_records_navigation_help(settings, agent):
    """SCOPE-3: the workstation's navigation outcome (Alt+D) registers the call as such."""
    settings.HOTLINE_PROFILE = SH
    client = Client()
    client.force_login(agent)
    page = client.get("/desk/").content.decode()
    assert 'value="navigate"' in page
    assert "Alt+D" in page
    call = {
        "phone": "13900002222",
        "content": "想咨询社保卡补办",
        "category": "consultation",
        "outcome": "navigate",
    }
    assert client.post("/desk/", call).status_code == 400
    response = client.post("/desk/", {**call, "navigate_note": "非民政职能", "pointed_to": "12333"})
    assert response.status_code == 302
    assert Ticket.objects.get().state == "navigated"
