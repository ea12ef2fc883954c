"""The workstation's side panel and the dispatch form show the suggestion (DISPATCH-1) and the
same matter registered lately (INTAKE-4/-5): the rendered fragments, without a browser."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from hotline.suggest.services import suggest_train
from hotline.tickets.models import Ticket
from tests.factories import AreaFactory, ResponsibilityItemFactory
from tests.suggest.conftest import register

pytestmark = pytest.mark.django_db


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def panel(user: Any, **data: str) -> str:
    response = login(user).post("/desk/assist/", {"category": "complaint", **data})
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.req("DISPATCH-1")
def test_the_panel_shows_categories_and_units_with_their_reason(agent, history, lamp_unit):
    suggest_train()
    html = panel(agent, content="路灯坏了，晚上很黑", area="")
    assert "可能的诉求类别" in html
    assert 'data-fill="#id_category" data-value="help"' in html  # click to fill the type
    assert f'data-fill="#id_unit" data-value="{lamp_unit.name}（{lamp_unit.code}）"' in html
    assert "历史工单：相似诉求曾派往此单位" in html
    assert "建议承办单位" in html


@pytest.mark.req("DISPATCH-1")
def test_before_training_the_panel_shows_the_list_and_the_area(agent, unit):
    AreaFactory(code="DM01", name="东门社区")
    ResponsibilityItemFactory(unit=unit, keywords=["电梯"])
    html = panel(agent, content="电梯坏了", area="东门社区（DM01）")
    assert "可能的诉求类别" not in html
    assert "职责清单关键词：电梯" in html and unit.code in html


@pytest.mark.req("INTAKE-4")
@pytest.mark.req("INTAKE-5")
def test_the_panel_shows_the_same_matter_registered_lately_in_the_area(agent):
    AreaFactory(code="DM01", name="东门社区")
    earlier = register(agent, "东门社区3栋门口的井盖丢失了，晚上很危险", area_code="DM01")
    html = panel(agent, content="3栋门口井盖丢了，晚上很危险，怎么没人管", area="DM01")
    assert "本区域近7日的同一事项" in html and "一事一单" in html
    assert f"/tickets/{earlier.number}/" in html
    other = panel(agent, content="楼下饭店油烟太大", area="DM01")
    assert earlier.number not in other


@pytest.mark.req("DISPATCH-1")
def test_the_dispatch_form_shows_the_suggested_units_with_their_reason(agent, history, lamp_unit):
    suggest_train()
    ticket = register(agent, "我们小区门口的路灯不亮了")
    html = login(agent).get(f"/tickets/{ticket.number}/").content.decode()
    assert f'data-value="{lamp_unit.name}（{lamp_unit.code}）"' in html
    assert "历史工单" in html
    assert Ticket.objects.filter(pk=ticket.pk, state="registered").exists()


@pytest.mark.req("DISPATCH-1")
def test_a_unit_that_returned_the_ticket_is_not_suggested_again(agent, history, lamp_unit):
    """A unit that sent the ticket back (不属本单位职责) is not offered first for the
    re-dispatch; the agent may still type it."""
    from hotline.tickets import services as svc
    from tests.factories import UserFactory

    suggest_train()
    ticket = register(agent, "我们小区门口的路灯不亮了")
    svc.ticket_dispatch(actor=agent, ticket=ticket, unit_code=lamp_unit.code)
    clerk = UserFactory(unit=lamp_unit, roles=["unit_admin"])
    svc.ticket_return(actor=clerk, ticket=ticket, reason="不属本单位职责", basis="三定方案")
    html = login(agent).get(f"/tickets/{ticket.number}/").content.decode()
    assert 'id="act-redispatch"' in html
    assert f'data-value="{lamp_unit.name}（{lamp_unit.code}）"' not in html
