"""Call records and the call-centre figures (STATS-6, CALLCENTRE-2, CALLCENTRE-3)."""

from __future__ import annotations

from datetime import date

import pytest

from hotline.stats.calls import call_figures, seat_check, seats_required
from hotline.stats.models import CallRecord
from hotline.stats.selectors import Period
from tests.stats.conftest import Api

pytestmark = pytest.mark.django_db


def _call(n: int, offered: str, answered: str | None, agent: str = "agent") -> dict:
    return {
        "call_id": f"c{n}",
        "number": "13900007777",
        "direction": "inbound",
        "offered_at": f"2026-10-08T{offered}+08:00",
        "answered_at": f"2026-10-08T{answered}+08:00" if answered else None,
        "ended_at": f"2026-10-08T{answered or offered}+08:00",
        "agent": agent if answered else "",
        "queue": "12345",
        "recording_url": f"https://rec.example/c{n}.wav" if answered else "",
    }


@pytest.mark.req("CALLCENTRE-3", "STATS-6")
def test_calls_are_stored_once_and_give_connection_and_loss_rates(centre_admin, supervisor):
    """CALLCENTRE-3: call records give connection and loss rates; STATS-6: 15 s share."""
    calls = [
        _call(1, "09:00:00", "09:00:10", "a1"),
        _call(2, "09:10:00", "09:10:30", "a2"),
        _call(3, "09:20:00", None),
        _call(4, "10:00:00", "10:00:05", "a1"),
    ]
    admin = Api(centre_admin)
    first = admin.post("/calls", calls)
    assert first.status_code == 200, first.json()
    assert first.json() == {"created": 4, "existing": 0}
    again = admin.post("/calls", calls)
    assert again.json() == {"created": 0, "existing": 4}
    assert CallRecord.objects.count() == 4
    assert Api(supervisor).post("/calls", calls).status_code == 403
    assert admin.post("/calls", [{"call_id": "x"}]).status_code == 400
    assert admin.post("/calls", {"call_id": "x"}).status_code == 400

    figures = call_figures(Period(date(2026, 10, 8), date(2026, 10, 8)))
    total = figures["total"]
    assert total["offered"] == 4 and total["answered"] == 3 and total["abandoned"] == 1
    assert total["connection_rate"] == 0.75 and total["loss_rate"] == 0.25
    assert total["average_wait"] == 15.0 and total["within_15s_rate"] == 0.5
    assert [h["hour"] for h in figures["hours"]] == [9, 10]
    assert {a["agent"]: a["answered"] for a in figures["agents"]} == {"a1": 2, "a2": 1}


@pytest.mark.req("CALLCENTRE-2")
def test_the_seat_rule_at_and_around_300000(settings):
    """CALLCENTRE-2 (O2, A21): ≤ 300,000 people need 6 seats, more need 8."""
    assert seats_required(300_000) == 6
    assert seats_required(300_001) == 8
    settings.HOTLINE_POPULATION_SERVED, settings.HOTLINE_SEATS = 300_001, 7
    assert seat_check() == {"population": 300_001, "seats": 7, "required": 8, "ok": False}
    settings.HOTLINE_POPULATION_SERVED = 300_000
    assert seat_check()["ok"] is True
