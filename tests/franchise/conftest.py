"""Fixtures of the market-service tests: a small gazetteer, franchisees with agreements, a clock."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from hotline.directory.models import Area, Unit
from hotline.franchise.models import Agreement, Franchisee
from hotline.tickets import services as tsvc
from tests.factories import UnitFactory, UserFactory

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=TZ)


@pytest.fixture(autouse=True)
def zhejiang(settings):
    settings.HOTLINE_PROFILE = "zhejiang-96345"


@pytest.fixture
def areas(db: None) -> dict[str, Area]:
    d = Area.objects.create(code="D", name="澜溪区", kind=Area.Kind.DISTRICT)
    s1 = Area.objects.create(code="S1", name="东门街道", kind=Area.Kind.SUBDISTRICT, parent=d)
    s2 = Area.objects.create(code="S2", name="西湖街道", kind=Area.Kind.SUBDISTRICT, parent=d)
    c11 = Area.objects.create(code="C11", name="新桥社区", kind=Area.Kind.COMMUNITY, parent=s1)
    c12 = Area.objects.create(code="C12", name="河滨社区", kind=Area.Kind.COMMUNITY, parent=s1)
    c21 = Area.objects.create(code="C21", name="柳岸社区", kind=Area.Kind.COMMUNITY, parent=s2)
    return {"D": d, "S1": s1, "S2": s2, "C11": c11, "C12": c12, "C21": c21}


def make_franchisee(
    code: str,
    *,
    services: list[str] | None = None,
    base: Area | None = None,
    credit: int = 85,
    valid_until: Any = None,
    response_minutes: int = 30,
) -> Franchisee:
    unit = UnitFactory(code=code, name=f"{code}家政服务有限公司", kind=Unit.Kind.OTHER)
    franchisee = Franchisee.objects.create(
        unit=unit,
        kind="company",
        licence_number=f"91330000{code}",
        services=services or ["cleaning"],
        base_area=base,
        hours="8:00-20:00",
        credit=credit,
    )
    Agreement.objects.create(
        franchisee=franchisee,
        rights="接受派单",
        duties="按时上门",
        hours="8:00-20:00",
        standards="行业标准",
        fees="免收加盟费",
        response_minutes=response_minutes,
        valid_from=(NOW - timedelta(days=400)).date(),
        valid_until=valid_until or (NOW + timedelta(days=400)).date(),
        signed_at=NOW - timedelta(days=400),
    )
    return franchisee


@pytest.fixture
def make() -> Any:
    return make_franchisee


@pytest.fixture
def request_ticket(agent, areas) -> Any:
    def create(area: str = "C11", when: datetime = NOW, phone: str = "13900001111") -> Any:
        return tsvc.ticket_register(
            actor=agent,
            channel="phone",
            category="help",
            content="家里需要保洁服务",
            citizen_phone=phone,
            area_code=area,
            now=when,
        )

    return create


@pytest.fixture
def staff_of() -> Any:
    def create(franchisee: Franchisee, username: str) -> Any:
        return UserFactory(username=username, unit=franchisee.unit, roles=["unit_handler"])

    return create
