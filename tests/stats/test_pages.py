"""The statistics pages: ranking and drill-down with scope, dashboard, call figures, alerts."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from hotline.notifications.models import OutboxMessage
from hotline.stats.alerts import hot_topics_detect, hot_topics_find, poisson_tail
from hotline.stats.models import HotTopic
from hotline.tickets import services as svc
from tests.factories import AreaFactory
from tests.stats.conftest import Api, at, deliver

pytestmark = pytest.mark.django_db

OCTOBER = {"from": "2026-10-01", "to": "2026-10-31"}


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.req("STATS-4")
def test_the_ranking_orders_units_by_score_and_every_number_opens_its_tickets(
    flow, agent, unit, other_unit, unit_officer, unit_admin, supervisor, outsider
):
    """STATS-4: scores ranked; a count opens exactly the tickets it counts; scope holds."""
    done = flow(unit.code, "2026-10-08 09:00")
    svc.ticket_sign(actor=unit_officer, ticket=done, now=at("2026-10-08 11:00"))
    svc.ticket_reply(actor=unit_officer, ticket=done, content="已处理", now=at("2026-10-09 10:00"))
    waiting = flow(unit.code, "2026-10-10 09:00")
    theirs = flow(other_unit.code, "2026-10-12 09:00")
    deliver()

    boss = _client(supervisor)
    page = boss.get("/stats/ranking/", OCTOBER)
    assert page.status_code == 200
    text = page.content.decode()
    assert unit.name in text and other_unit.name in text
    assert "?unit=ZJJ&amp;indicator=received" in text
    api = Api(supervisor).get("/stats/units", **OCTOBER).json()["results"]
    scores = {r["unit"]: r["score"] for r in api}
    first = max(scores, key=lambda code: (scores[code], code == "SW"))
    assert text.index(f'id="rank-{first}"') < text.index(
        f'id="rank-{"SW" if first != "SW" else "ZJJ"}"'
    )

    drill = boss.get("/stats/tickets/", {"unit": unit.code, "indicator": "received", **OCTOBER})
    assert drill.status_code == 200
    body = drill.content.decode()
    assert done.number in body and waiting.number in body and theirs.number not in body
    replied = boss.get("/stats/tickets/", {"unit": unit.code, "indicator": "replied", **OCTOBER})
    assert done.number in replied.content.decode()
    assert waiting.number not in replied.content.decode()
    centre = boss.get("/stats/tickets/", {"indicator": "registered", **OCTOBER})
    assert theirs.number in centre.content.decode()
    assert citizen_phone_absent(body)

    own = _client(unit_admin)
    mine = own.get("/stats/ranking/", OCTOBER).content.decode()
    assert unit.name in mine and other_unit.name not in mine
    assert (
        own.get("/stats/tickets/", {"unit": unit.code, "indicator": "received"}).status_code == 200
    )
    foreign = {"unit": other_unit.code, "indicator": "received", **OCTOBER}
    assert own.get("/stats/tickets/", foreign).status_code == 403
    assert own.get("/stats/tickets/", {"indicator": "registered"}).status_code == 403
    assert (
        _client(outsider)
        .get("/stats/tickets/", {"unit": unit.code, "indicator": "received"})
        .status_code
        == 403
    )
    assert boss.get("/stats/tickets/", {"unit": "NOPE", "indicator": "received"}).status_code == 404
    assert boss.get("/stats/tickets/", {"unit": unit.code, "indicator": "x"}).status_code == 404
    # a unit's staff read the ranking; a plain agent has no unit to rank
    assert _client(agent).get("/stats/ranking/").status_code == 403


def citizen_phone_absent(body: str) -> bool:
    return "13900007777" not in body


@pytest.mark.req("STATS-3")
def test_the_dashboard_shows_today_the_month_trends_and_is_for_leaders(
    flow, unit, supervisor, centre_admin, unit_admin
):
    """STATS-3: figures, lights, ranking, trends by week and month, intake by channel."""
    flow(unit.code, "2026-10-08 09:00")
    deliver()
    boss = _client(supervisor)
    page = boss.get("/stats/dashboard/", OCTOBER)
    assert page.status_code == 200
    text = page.content.decode()
    assert 'class="trend"' in text or "trend-table" in text
    assert "2026-W41" in text and "2026-10" in text  # the week and the month of the ticket
    assert _client(centre_admin).get("/stats/dashboard/").status_code == 200
    assert _client(unit_admin).get("/stats/dashboard/").status_code == 403


@pytest.mark.req("STATS-3")
def test_a_matter_rising_in_one_area_alerts_the_supervisors_once(agent, supervisor):
    """STATS-3: 6 noise tickets in a week against a quiet baseline are hot; steady ones not."""
    area = AreaFactory(name="联丰街道")
    quiet = AreaFactory(name="东湖街道")
    for day in range(20, 26):  # six in the window (window: 10-20 … 10-26)
        svc.ticket_register(
            actor=agent,
            channel="phone",
            category="complaint",
            content="联丰路工地夜间施工噪音扰民，无法入睡",
            citizen_phone=f"1390000{day:04d}",
            area_code=area.code,
            now=at(f"2026-10-{day} 09:00"),
        )
    for day in range(1, 27):  # every day for four weeks: a steady matter, not a hot one
        svc.ticket_register(
            actor=agent,
            channel="phone",
            category="consultation",
            content="咨询公积金提取办法",
            citizen_phone=f"1380000{day:04d}",
            area_code=quiet.code,
            now=at(f"2026-10-{day:02d} 10:00"),
        )
    found = hot_topics_find(date(2026, 10, 26))
    assert len(found) == 1
    topic = found[0]
    assert topic.area_key == area.pk and topic.count == 6 and "噪音" in topic.terms

    stored = hot_topics_detect(now=at("2026-10-26 12:00"))
    assert len(stored) == 1 and len(stored[0].tickets) == 6
    assert hot_topics_detect(now=at("2026-10-26 18:00")) == []  # once a day
    assert HotTopic.objects.count() == 1
    sent = OutboxMessage.objects.filter(topic="stats.hot_topic", adapter="inbox")
    assert sent.count() == 1 and stored[0].tickets[0] in sent.get().body


def test_the_poisson_tail():
    assert poisson_tail(0, 1.0) == 1.0
    assert round(poisson_tail(1, 1.0), 4) == round(1 - 0.36788, 4)
    assert poisson_tail(6, 1.0) < 0.001 < poisson_tail(5, 1.0)


@pytest.mark.req("STATS-6", "CALLCENTRE-3")
def test_call_figures_per_hour_and_agent_on_the_page_and_the_api(
    centre_admin, supervisor, unit_admin
):
    """STATS-6: per hour and per agent; supervisors and centre admins only."""
    calls = [
        {"call_id": "h1", "number": "13900007777", "direction": "inbound",
         "offered_at": "2026-10-08T09:00:00+08:00", "answered_at": "2026-10-08T09:00:08+08:00",
         "ended_at": "2026-10-08T09:05:00+08:00", "agent": "a1"},
        {"call_id": "h2", "number": "13900008888", "direction": "inbound",
         "offered_at": "2026-10-08T14:00:00+08:00"},
    ]  # fmt: skip
    assert Api(centre_admin).post("/calls", calls).status_code == 200
    answer = Api(supervisor).get("/calls/figures", **{"from": "2026-10-08", "to": "2026-10-08"})
    assert answer.status_code == 200
    data = answer.json()
    assert data["total"]["offered"] == 2 and data["total"]["connection_rate"] == 0.5
    assert [h["hour"] for h in data["hours"]] == [9, 14]
    assert data["agents"] == [
        {"agent": "a1", "offered": 1, "answered": 1, "abandoned": 0, "connection_rate": 1.0,
         "loss_rate": 0.0, "average_wait": 8.0, "within_15s_rate": 1.0}
    ]  # fmt: skip
    assert (
        Api(unit_admin)
        .get("/calls/figures", **{"from": "2026-10-08", "to": "2026-10-08"})
        .status_code
        == 403
    )
    bad = Api(supervisor).get("/calls/figures", **{"from": "2026-10-09", "to": "2026-10-08"})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_input"
    page = _client(supervisor).get("/stats/calls/", {"from": "2026-10-08", "to": "2026-10-08"})
    assert page.status_code == 200 and "14:00" in page.content.decode()
    evil = [{**calls[0], "call_id": "h3", "recording_url": "javascript:alert(1)"}]
    assert Api(centre_admin).post("/calls", evil).status_code == 400


@pytest.mark.req("CALLCENTRE-3")
def test_the_ticket_page_links_to_its_call_and_recording(
    flow, unit, agent, centre_admin, unit_officer
):
    """CALLCENTRE-3: a phone ticket shows the call it came from and its recording."""
    call = {
        "call_id": "rec-1", "number": "13900007777", "direction": "inbound",
        "offered_at": "2026-10-08T08:58:00+08:00", "answered_at": "2026-10-08T08:58:06+08:00",
        "ended_at": "2026-10-08T09:02:00+08:00", "agent": "agent",
        "recording_url": "https://rec.example/rec-1.wav",
    }  # fmt: skip
    assert Api(centre_admin).post("/calls", [call]).status_code == 200
    ticket = flow(unit.code, "2026-10-08 09:00")
    page = _client(agent).get(f"/tickets/{ticket.number}/")
    text = page.content.decode()
    assert page.status_code == 200
    assert 'id="ticket-call"' in text and "https://rec.example/rec-1.wav" in text
    other = flow(unit.code, "2026-10-08 15:00", phone="13911112222")
    assert (
        'id="ticket-call"' not in _client(agent).get(f"/tickets/{other.number}/").content.decode()
    )
    # the unit does not hear the caller
    assert (
        "rec-1.wav" not in _client(unit_officer).get(f"/tickets/{ticket.number}/").content.decode()
    )


@pytest.mark.req("STATS-3")
def test_the_dashboard_feeds_its_charts_and_map_through_a_json_script(agent, supervisor, settings):
    """Issue 14 item 6: ECharts and Leaflet read the page's data from a json_script tag (no
    inline script); an area without coordinates counts at its district; tiles come from a
    setting, and the page's CSP lets their images in."""
    import json
    import re

    district = AreaFactory(name="澜溪区", kind="district", latitude="30.25", longitude="120.16")
    community = AreaFactory(name="白沙社区", parent=district)
    for n in range(3):
        svc.ticket_register(
            actor=agent,
            channel="phone",
            category="complaint",
            content="施工噪音扰民",
            citizen_phone=f"139000088{n:02d}",
            area_code=community.code,
            now=at("2026-10-08 09:00"),
        )
    deliver()
    boss = _client(supervisor)
    page = boss.get("/stats/dashboard/", OCTOBER)
    text = page.content.decode()
    found = re.search(r'<script id="dash-data" type="application/json">(.*?)</script>', text)
    assert found is not None
    data = json.loads(found[1])
    assert data["map"] == {
        "tiles": "",
        "attribution": "",
        "areas": [{"name": "澜溪区", "lat": 30.25, "lon": 120.16, "count": 3}],
    }
    assert len(data["trends"]) == 2 and all(
        len(t["keys"]) == len(t["registered"]) for t in data["trends"]
    )
    assert "<script>" not in text  # every script is a file
    for src in ("vendor/echarts.min.js", "vendor/leaflet/leaflet.js", "stats/dashboard.js"):
        assert f'src="/static/{src}"' in text
    assert "img-src 'self' data:;" in page["Content-Security-Policy"]

    settings.HOTLINE_MAP_TILE_URL = "https://{s}.tiles.example.gov.cn/{z}/{x}/{y}.png"
    page = boss.get("/stats/dashboard/", OCTOBER)
    assert "img-src 'self' data: https://*.tiles.example.gov.cn;" in page["Content-Security-Policy"]
    assert "script-src 'self';" in page["Content-Security-Policy"]


@pytest.mark.req("STATS-4")
def test_a_unit_that_received_nothing_is_listed_after_the_ranked_units_unranked(
    flow, unit, other_unit, supervisor
):
    """A unit with no ticket in the period has nothing to be scored on: it must not top the
    ranking with the untouched maximum score."""
    from hotline.stats import selectors as sel

    flow(unit.code, "2026-10-08 09:00")
    deliver()
    rows = sel.ranking(sel.Period(date(2026, 10, 1), date(2026, 10, 31)), [unit, other_unit])
    assert [(r["unit"], r["rank"]) for r in rows] == [(unit.code, 1), (other_unit.code, None)]
    text = _client(supervisor).get("/stats/ranking/", OCTOBER).content.decode()
    assert text.index(f'id="rank-{unit.code}"') < text.index(f'id="rank-{other_unit.code}"')


@pytest.mark.req("STATS-4")
def test_a_drill_down_counts_a_ticket_returned_twice_as_two_returns_on_one_ticket(
    flow, agent, unit, unit_officer, supervisor
):
    """STATS-4: the number (from the rollups) and the tickets listed (from the facts) agree."""
    ticket = flow(unit.code, "2026-10-08 09:00")
    for day in (8, 9):
        svc.ticket_return(
            actor=unit_officer,
            ticket=ticket,
            reason="不属于本单位职责",
            basis="三定方案",
            now=at(f"2026-10-{day:02d} 10:00"),
        )
        ticket.refresh_from_db()
        svc.ticket_redispatch(
            actor=agent, ticket=ticket, unit_code=unit.code, now=at(f"2026-10-{day:02d} 11:00")
        )
        ticket.refresh_from_db()
    deliver()
    page = _client(supervisor).get(
        "/stats/tickets/", {"unit": unit.code, "indicator": "returned", **OCTOBER}
    )
    assert page.status_code == 200
    assert page.context["total"] == 2
    assert page.context["page"].paginator.count == 1
    assert [r["fact"].ticket_id for r in page.context["rows"]] == [ticket.pk]
    assert [r["count"] for r in page.context["rows"]] == [2]
