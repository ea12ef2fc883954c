"""The callbacks contract (issue 13): the queue, the callback's fields, inspections, the command."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from hotline.callbacks.models import Inspection
from tests.callbacks.helpers import Api, at, replied

pytestmark = pytest.mark.django_db


@pytest.fixture
def tianjin(use_profile, agent, unit, unit_officer):
    use_profile("tianjin-88908890")
    return replied(agent, unit_officer, unit.code, reply_at="2026-10-08 09:00")


@pytest.mark.req("CALLBACK-1", "CALLBACK-2")
def test_the_queue_and_the_callback_contract(tianjin, callback_agent, unit_officer):
    caller = Api(callback_agent)
    body = caller.get("/callbacks").json()
    assert body == {
        "results": [
            {
                "ticket": tianjin.number,
                "due_at": body["results"][0]["due_at"],
                "attempts": 0,
                "reason": "every_ticket",
            }
        ]
    }
    assert body["results"][0]["due_at"] == "2026-10-09T09:00:00+08:00"  # 24 clock hours
    assert Api(unit_officer).get("/callbacks").status_code == 403

    bad = caller.post(f"/tickets/{tianjin.number}/callback", {"result": "happy"})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_input"
    bad = caller.post(f"/tickets/{tianjin.number}/callback", {"result": "satisfied", "solved": []})
    assert bad.status_code == 400 and set(bad.json()) >= {"code", "message"}
    assert caller.post(f"/tickets/{tianjin.number}/callback", []).status_code == 400

    r = caller.post(
        f"/tickets/{tianjin.number}/callback", {"result": "unreached", "note": "无人接"}
    )
    assert r.status_code == 200 and r.json()["state"] == "replied"
    assert caller.get("/callbacks").json()["results"][0]["attempts"] == 1

    r = caller.post(
        f"/tickets/{tianjin.number}/callback",
        {"result": "satisfied", "solved": True, "contacted_in_time": True, "note": "已解决"},
    )
    assert r.status_code == 200 and r.json()["state"] == "closed"  # closed in the same step
    assert caller.get("/callbacks").json() == {"results": []}
    event = tianjin.events.filter(action="ticket.called_back").order_by("-id").first()
    assert event.payload == {"result": "satisfied", "solved": True, "contacted_in_time": True}


@pytest.mark.req("CALLBACK-3")
def test_the_inspection_contract(tianjin, callback_agent, inspector, supervisor, unit_officer):
    Api(callback_agent).post(f"/tickets/{tianjin.number}/callback", {"result": "dissatisfied"})
    qc = Api(inspector)
    listed = qc.get("/inspections", state="open").json()["results"]
    assert len(listed) == 1
    (row,) = listed
    assert set(row) == {"id", "ticket", "state", "opened_at"}
    assert (row["ticket"], row["state"]) == (tianjin.number, "open")
    assert qc.get("/inspections", state="decided").json() == {"results": []}
    assert qc.get("/inspections", state="lost").status_code == 400
    assert Api(supervisor).get("/inspections").status_code == 200
    assert Api(unit_officer).get("/inspections").status_code == 403

    path = f"/inspections/{row['id']}/decide"
    decision = {"responsibility": "centre", "finding": "坐席派单错误", "redo": True}
    assert Api(supervisor).post(path, decision).status_code == 403
    for bad in (
        {**decision, "responsibility": "weather"},
        {**decision, "finding": ""},
        {"responsibility": "unit", "finding": "x"},
        {**decision, "redo": "perhaps"},
    ):
        r = qc.post(path, bad)
        assert r.status_code == 400 and set(r.json()) >= {"code", "message"}, bad
    assert qc.post("/inspections/999999/decide", decision).status_code == 404

    r = qc.post(path, decision)
    assert r.status_code == 200 and r.json()["state"] == "decided"
    tianjin.refresh_from_db()
    assert tianjin.state == "dispatched"
    assert Inspection.objects.get().unit_fault is False  # the centre's mistake
    again = qc.post(path, decision)
    assert again.status_code == 409 and again.json()["code"] == "inspection_decided"
    assert [r["state"] for r in qc.get("/inspections", state="decided").json()["results"]] == [
        "decided"
    ]


@pytest.mark.req("CALLBACK-1", "A14")
def test_the_sample_command(use_profile, agent, unit, unit_officer, capsys):
    use_profile("shanghai-962200")
    for n in range(6):
        replied(
            agent, unit_officer, unit.code, reply_at=f"2026-10-{n + 3:02d} 10:00", phone=f"5{n}"
        )
    call_command("callbacks", "sample", "--month", "2026-10", "--seed", "5")
    first = capsys.readouterr().out
    unit_code, sampled, completed = first.split()
    assert (unit_code, completed) == (unit.code, "6") and int(sampled) in (1, 2)
    call_command("callbacks", "sample", "--month", "2026-10", "--seed", "5")
    assert capsys.readouterr().out == first
    call_command("callbacks", "sample", "--month", "2026-09")
    assert capsys.readouterr().out == ""
    with pytest.raises(CommandError):
        call_command("callbacks", "sample", "--month", "2026-10", "--seed", "6")
    with pytest.raises(CommandError):
        call_command("callbacks", "sample", "--month", "October")
    use_profile("tianjin-88908890")
    with pytest.raises(CommandError):
        call_command("callbacks", "sample", "--month", "2026-10")


def test_the_worker_draws_and_queues(use_profile, agent, unit, unit_officer):
    from hotline.callbacks.services import callbacks_sweep

    use_profile("qilihe-96881")
    for n in range(10):
        replied(
            agent, unit_officer, unit.code, reply_at=f"2026-10-{n + 3:02d} 10:00", phone=f"6{n}"
        )
    sampled, queued = callbacks_sweep(now=at("2026-10-20 10:00"))
    assert sampled == 2 and queued == 0
