"""Shared helpers of the dispatch-suggestion tests: a small dispatched history."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
from django.test import Client

from hotline.accounts.models import ApiToken
from hotline.suggest import services as suggest_services
from hotline.tickets import services as svc
from hotline.tickets.models import Ticket
from tests.factories import UnitFactory

LAMPS = [
    "滨江路路灯晚上不亮，行人看不清",
    "小区门口路灯坏了一个月没人修",
    "人民路的路灯白天亮着晚上反而熄灭",
    "学校旁边路灯损坏，孩子放学回家很黑",
    "公园里的路灯灯杆倾斜快要倒了",
    "新修的道路没有安装路灯",
    "桥上路灯全部不亮存在安全隐患",
    "路灯线路裸露，下雨天担心漏电",
    "菜市场附近路灯闪烁不停",
    "高架桥下面的路灯坏了好几盏",
    "路灯太暗了，晚上走路害怕",
    "请在巷子里加装路灯",
]
NOISE = [
    "工地夜间施工噪音扰民，凌晨两点还在打桩",
    "楼下饭店油烟和噪音影响休息",
    "广场舞音响声音太大，晚上十点还不停",
    "附近工厂机器轰鸣，噪音严重超标",
    "装修公司周末一早就电钻施工噪音很大",
    "商铺门口大喇叭循环播放广告噪音扰民",
    "搅拌站夜间作业，噪音和粉尘都很严重",
    "酒吧深夜音乐声太大扰民",
    "空调外机噪音太大，邻居投诉多次",
    "货车夜间装卸货物噪音扰民",
    "KTV噪音扰民到凌晨",
    "施工单位超时作业，夜里噪音不断",
]


class Api:
    """A client that speaks JSON with a Bearer token."""

    def __init__(self, user: Any) -> None:
        _, raw = ApiToken.issue(user=user, name="test")
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")

    def post(self, body: Any, *, raw: str | None = None) -> Any:
        data = raw if raw is not None else json.dumps(body, ensure_ascii=False)
        return self.client.post("/api/v1/suggest", data, content_type="application/json")


@pytest.fixture(autouse=True)
def _fresh_model_cache():
    """Each test reads the model of its own (rolled back) database."""
    suggest_services._loaded.update(pk=None, parts=None)
    yield
    suggest_services._loaded.update(pk=None, parts=None)


def register(agent: Any, content: str, *, category: str = "complaint", **extra: Any) -> Ticket:
    return svc.ticket_register(
        actor=agent,
        channel="phone",
        category=category,
        content=content,
        citizen_phone="13900001111",
        **extra,
    )


@pytest.fixture
def lamp_unit(db: None):
    return UnitFactory(code="CGJ", name="澜溪区城市管理局", short_name="区城管局")


@pytest.fixture
def noise_unit(db: None):
    return UnitFactory(code="HBJ", name="澜溪区生态环境分局", short_name="区环保分局")


@pytest.fixture
def history(agent, lamp_unit, noise_unit) -> list[Ticket]:
    """Twelve street-lamp requests dispatched to 城管, twelve noise complaints to 环保."""
    done = []
    for text in LAMPS:
        ticket = register(agent, text, category="help")
        done.append(svc.ticket_dispatch(actor=agent, ticket=ticket, unit_code=lamp_unit.code))
    for text in NOISE:
        ticket = register(agent, text, category="complaint")
        done.append(svc.ticket_dispatch(actor=agent, ticket=ticket, unit_code=noise_unit.code))
    return done


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)
