"""The evaluation API: findings, a round driven end to end, and bad input as 4xx JSON."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from hotline.accounts.models import ApiToken
from hotline.evaluation.standard import shipped_standard

pytestmark = pytest.mark.django_db


class Api:
    def __init__(self, user: Any) -> None:
        _, raw = ApiToken.issue(user=user, name="test")
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"/api/v1{path}", params)

    def post(self, path: str, body: Any = None) -> Any:
        return self.client.post(
            f"/api/v1{path}",
            json.dumps(body if body is not None else {}),
            content_type="application/json",
        )


@pytest.mark.req("EVAL-2")
def test_findings_are_scored_like_the_command(supervisor):
    api = Api(supervisor)
    full = {k: float(v.points) for k, v in shipped_standard().second_level().items()}
    r = api.post(
        "/evaluation/score",
        {
            "standard": "QP-EVAL-2022",
            "scores": full,
            "deductions": [{"kind": "serious_violation"}, {"kind": "negative_publicity"}],
        },
    )
    assert r.status_code == 200, r.content
    assert r.json()["total"] == 85
    assert r.json()["deducted"] == 15
    r = api.post("/evaluation/score", {"scores": {"7.2": 2}})
    assert r.status_code == 400
    assert r.json()["code"] == "invalid_input"
    assert r.json()["message"].startswith("7.2: the score 2 is above the indicator's 1 points")


@pytest.mark.req("EVAL-3")
def test_a_round_through_the_api(supervisor, unit, unit_admin, outsider):
    api = Api(supervisor)
    r = api.post(
        "/evaluation/rounds", {"centre": unit.code, "year": 2026, "formal_on": "2026-06-15"}
    )
    assert r.status_code == 201, r.content
    body = r.json()
    rid = body["id"]
    assert [s["due_on"] for s in body["stages"]] == [
        "2026-03-31",
        "2026-04-30",
        "2026-05-29",
        "2026-06-01",
        "2026-06-15",
    ]
    assert api.post(f"/evaluation/rounds/{rid}/stages/1", {"done": True}).status_code == 200
    assert api.post(f"/evaluation/rounds/{rid}/stages/3", {"done": True}).status_code == 409
    r = api.post(
        f"/evaluation/rounds/{rid}/scores",
        {"indicator": "3.2", "points": 4, "lost_reason": "离岗无暂停标识"},
    )
    assert r.status_code == 200, r.content
    r = api.post(f"/evaluation/rounds/{rid}/scores", {"indicator": "3.2", "points": 3})
    assert r.status_code == 400
    assert "失分原因" in r.json()["message"]
    r = api.post(
        f"/evaluation/rounds/{rid}/deductions",
        {"kind": "negative_publicity", "description": "负面报道"},
    )
    assert r.status_code == 201
    assert r.json()["deducted"] == 5
    r = api.post(
        f"/evaluation/rounds/{rid}/rectifications",
        {"indicator": "3.2", "measure": "配发暂停标识", "owner": "主任", "working_days": 5},
    )
    assert r.status_code == 201, r.content
    item = r.json()["id"]
    assert Api(outsider).get(f"/evaluation/rounds/{rid}").status_code == 404
    centre = Api(unit_admin)
    assert centre.get(f"/evaluation/rounds/{rid}").status_code == 200
    assert (
        centre.post(f"/evaluation/rectifications/{item}/done", {"note": "已配发"}).json()["state"]
        == "done"
    )
    assert centre.post(f"/evaluation/rectifications/{item}/close", {"note": "x"}).status_code == 403
    assert (
        api.post(f"/evaluation/rectifications/{item}/close", {"note": "复查"}).json()["state"]
        == "closed"
    )
    computed = api.get(f"/evaluation/rounds/{rid}/indicators").json()
    assert set(computed) == {"2.4", "2.5", "6.1"}
    assert computed["2.4"]["points"] is None  # no tickets in the period
    ranking = api.get("/evaluation/ranking", year=2026).json()
    assert ranking["results"][0]["total"] == 0  # 4 − 5, never below zero


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/evaluation/score", {"scores": {"1.1": "abc"}}),
        ("/evaluation/score", {"scores": {"x": 1}}),
        ("/evaluation/score", {"scores": {"1.1": 1}, "deductions": [{"kind": 5}]}),
        ("/evaluation/score", [1, 2]),
        ("/evaluation/rounds", {"centre": "NOPE", "year": 2026}),
        ("/evaluation/rounds", {"centre": "ZJJ", "year": 1900}),
        ("/evaluation/rounds/99999/scores", {"indicator": "1.1", "points": 1}),
        ("/evaluation/rectifications/99999/done", {"note": "x"}),
    ],
)
def test_bad_input_is_4xx_json(supervisor, unit, path, body):
    r = Api(supervisor).post(path, body)
    assert 400 <= r.status_code < 500, r.content
    assert {"code", "message"} <= set(r.json())


def test_units_cannot_open_rounds(unit_admin, unit):
    r = Api(unit_admin).post("/evaluation/rounds", {"centre": unit.code, "year": 2026})
    assert r.status_code == 403
