"""The statistics API contract (issue 14): unit figures by registration period, scoping."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hotline.tickets import services as svc
from tests.stats.conftest import Api, at, deliver

pytestmark = pytest.mark.django_db

FIELDS = {
    "unit", "name", "received", "replied", "on_time", "on_time_rate", "overdue", "extended",
    "returned", "supervised", "callbacks", "satisfied", "basically_satisfied", "dissatisfied",
    "satisfaction_rate", "score",
}  # fmt: skip


@pytest.mark.req("STATS-1")
def test_unit_figures_count_tickets_in_their_registration_period(
    flow, agent, unit, other_unit, unit_officer, supervisor, outsider
):
    """STATS-1 (A20): received, replied on time, callbacks and satisfaction, per unit."""
    first = flow(unit.code, "2026-10-08 09:00")
    svc.ticket_sign(actor=unit_officer, ticket=first, now=at("2026-10-08 11:00"))
    svc.ticket_reply(
        actor=unit_officer, ticket=first, content="已协调停工", now=at("2026-10-09 10:00")
    )
    svc.ticket_callback(actor=agent, ticket=first, result="satisfied", now=at("2026-10-10 10:00"))
    flow(unit.code, "2026-10-31 23:30")  # still October in Shanghai
    flow(unit.code, "2026-11-01 00:10")  # November: not counted
    flow(other_unit.code, "2026-10-20 09:00")
    deliver()

    boss = Api(supervisor)
    answer = boss.get("/stats/units", **{"from": "2026-10-01", "to": "2026-10-31"})
    assert answer.status_code == 200
    rows = {r["unit"]: r for r in answer.json()["results"]}
    assert set(rows) == {unit.code, other_unit.code}
    mine = rows[unit.code]
    assert set(mine) == FIELDS
    assert mine["received"] == 2 and mine["replied"] == 1 and mine["on_time"] == 1
    assert mine["on_time_rate"] == 1.0 and mine["overdue"] == 0
    assert mine["callbacks"] == 1 and mine["satisfied"] == 1
    assert mine["satisfaction_rate"] == 1.0
    assert isinstance(mine["score"], float)
    assert rows[other_unit.code]["received"] == 1

    one = boss.get("/stats/units", **{"from": "2026-10-01", "to": "2026-10-31", "unit": "SW"})
    assert [r["unit"] for r in one.json()["results"]] == ["SW"]

    own = Api(unit_officer).get("/stats/units", **{"from": "2026-10-01", "to": "2026-10-31"})
    assert [r["unit"] for r in own.json()["results"]] == [unit.code]
    foreign = Api(outsider).get(
        "/stats/units", **{"from": "2026-10-01", "to": "2026-10-31", "unit": unit.code}
    )
    assert foreign.status_code == 403
    assert (
        Api(agent).get("/stats/units", **{"from": "2026-10-01", "to": "2026-10-31"}).status_code
        == 403
    )


def test_bad_periods_answer_400(supervisor):
    boss = Api(supervisor)
    assert boss.get("/stats/units", **{"from": "2026-10-31", "to": "2026-10-01"}).status_code == 400
    assert boss.get("/stats/units", **{"from": "nope", "to": "2026-10-01"}).status_code == 400
    assert boss.get("/stats/units", **{"to": "2026-10-01"}).status_code == 400
    missing = boss.get("/stats/units", **{"from": "2026-10-01", "to": "2026-10-31", "unit": "X"})
    assert missing.status_code == 404


@pytest.mark.req("STATS-1")
def test_a_late_reply_is_overdue_and_sub_units_roll_up(flow, unit, subunit, supervisor):
    """STATS-1: sub-units roll up into their parents; a reply after the deadline is overdue."""
    from hotline.tickets.models import Deadline
    from tests.factories import UserFactory

    officer = UserFactory(username="sub", unit=subunit, roles=["unit_handler"])
    ticket = flow(subunit.code, "2026-10-08 09:00")
    reply = Deadline.objects.get(ticket=ticket, kind="reply")
    svc.ticket_sign(actor=officer, ticket=ticket, now=at("2026-10-08 10:00"))
    svc.ticket_reply(
        actor=officer, ticket=ticket, content="已处理", now=reply.due_at + timedelta(hours=1)
    )
    deliver()
    rows = {
        r["unit"]: r
        for r in Api(supervisor)
        .get("/stats/units", **{"from": "2026-10-01", "to": "2026-10-31"})
        .json()["results"]
    }
    assert rows[subunit.code]["overdue"] == 1 and rows[subunit.code]["on_time_rate"] == 0.0
    assert rows[unit.code]["received"] == 1 and rows[unit.code]["overdue"] == 1
