"""``POST /api/v1/suggest`` (DISPATCH-1): the contract, the signals and their reasons."""

from __future__ import annotations

import pytest

from hotline.suggest.models import LearnedModel
from hotline.suggest.services import suggest_train
from tests.factories import AreaFactory, ResponsibilityItemFactory, UnitFactory
from tests.suggest.conftest import Api

pytestmark = [pytest.mark.django_db, pytest.mark.req("DISPATCH-1")]


@pytest.fixture
def api(agent):
    return Api(agent)


def test_before_any_training_the_lists_and_the_area_suggest(api, unit, other_unit):
    street = AreaFactory(code="DM", name="东门街道", kind="subdistrict")
    community = AreaFactory(code="DM01", name="东门社区", parent=street)
    office = UnitFactory(code="DMJD", name="东门街道办事处", kind="subdistrict_office", area=street)
    ResponsibilityItemFactory(unit=unit, keywords=["井盖", "窨井"], ticket_types=["complaint"])
    ResponsibilityItemFactory(unit=other_unit, keywords=["水压"])
    response = api.post({"content": "路口井盖丢了，很危险", "area": "DM01"})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert set(body) == {"categories", "units"}
    assert body["categories"] == []  # nothing learned yet
    units = {u["code"]: u for u in body["units"]}
    assert set(units) == {unit.code, office.code}
    assert set(body["units"][0]) == {"code", "name", "score", "why"}
    assert units[unit.code]["why"] == "职责清单关键词：井盖"
    assert units[office.code]["why"] == "属地：东门街道"
    assert units[unit.code]["name"] == unit.name
    assert body["units"][0]["score"] >= body["units"][-1]["score"]
    # The area by its name works as well as by its code.
    by_name = api.post({"content": "路口井盖丢了，很危险", "area": community.name}).json()
    assert by_name == body


def test_the_history_teaches_the_unit_and_the_category(api, history, lamp_unit, noise_unit):
    result = suggest_train()
    assert result.summary["history"] == 24 and result.summary["kind"] == "type"
    body = api.post({"content": "我家楼下的路灯坏了，晚上一片漆黑", "area": ""}).json()
    assert body["units"][0]["code"] == lamp_unit.code
    assert "历史工单" in body["units"][0]["why"]
    assert body["categories"][0] == {
        "code": "help",
        "label": "求助",
        "score": body["categories"][0]["score"],
    }
    noise = api.post({"content": "隔壁工地半夜施工，噪音吵得睡不着"}).json()
    assert noise["units"][0]["code"] == noise_unit.code
    assert noise["categories"][0]["code"] == "complaint"
    assert 0 < noise["categories"][0]["score"] <= 1


def test_a_model_trained_elsewhere_is_picked_up(api, history, lamp_unit):
    """Every web process reads the newest stored model (it is in the database)."""
    assert api.post({"content": "路灯不亮"}).json()["categories"] == []
    suggest_train()
    assert api.post({"content": "路灯不亮"}).json()["categories"] != []
    suggest_train()
    suggest_train()
    suggest_train()
    assert LearnedModel.objects.count() == 3  # the last three are kept


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ('{"content": "", "area": ""}', "invalid_input"),
        ('{"content": "   "}', "invalid_input"),
        ('{"content": 123}', "invalid_input"),
        ('{"content": ["路灯"]}', "invalid_input"),
        ('{"content": null}', "invalid_input"),
        ('{"area": "DM"}', "invalid_input"),
        ('["路灯"]', "invalid_input"),
        ('"路灯"', "invalid_input"),
        ('{"content": "路灯\\u0000坏了"}', None),
        ('{"content": "路灯", "area": 5}', "invalid_input"),
        ('{"content": "路灯", "area": "火星"}', "unknown_area"),
        ("{not json", None),
    ],
)
def test_bad_input_is_a_4xx_json_error(api, raw, code):
    response = api.post(None, raw=raw)
    assert 400 <= response.status_code < 500, response.content
    body = response.json()
    assert {"code", "message"} <= set(body)
    if code:
        assert body["code"] == code


def test_a_huge_request_is_refused(api):
    response = api.post({"content": "路灯坏了" * 5000})
    assert 400 <= response.status_code < 500
    assert {"code", "message"} <= set(response.json())


def test_staff_only(unit_officer, client):
    anonymous = client.post("/api/v1/suggest", '{"content": "路灯"}', "application/json")
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "unauthorized"
    refused = Api(unit_officer).post({"content": "路灯"})
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"


def test_a_damaged_stored_model_falls_back_to_the_lists(api, unit):
    ResponsibilityItemFactory(unit=unit, keywords=["电梯"])
    LearnedModel.objects.create(blob=b"not a model")
    body = api.post({"content": "电梯坏了"}).json()
    assert body["categories"] == [] and body["units"][0]["code"] == unit.code
