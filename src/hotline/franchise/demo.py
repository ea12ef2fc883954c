"""Demo market services: a dozen franchisees in the regulation's service classes (ZJ-96345 §20),
their agreements, reference prices, volunteers, and a few orders in every step.

Loaded idempotently by code; orders are made by the real services with the demo's clock, so
their offers, events and credit are what the platform would have produced. The demo users
``franchise1`` and ``franchise2`` work for the first two franchisees (unit handler role).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from hotline.accounts.demo import DEMO_PASSWORD
from hotline.accounts.models import User, UserRole
from hotline.accounts.roles import Role
from hotline.directory.models import Area, Unit
from hotline.franchise import services as svc
from hotline.franchise.models import (
    Agreement,
    CreditDecision,
    Franchisee,
    MarketOrder,
    PriceGuide,
    Volunteer,
)
from hotline.tickets import services as tsvc

if TYPE_CHECKING:
    from hotline.core.demo import DemoOptions

# (code, name, kind, services, base area, credit, days the agreement still runs)
FRANCHISEES: list[tuple[str, str, str, list[str], str, int, int]] = [
    ("FR01", "澜溪洁家家政服务有限公司", "company", ["cleaning", "moving"], "LX01-01", 92, 300),
    (
        "FR02",
        "东门快修家电维修部",
        "sole_trader",
        ["appliance_repair", "house_repair"],
        "LX01-02",
        86,
        300,
    ),
    (
        "FR03",
        "南浦安居装饰工程有限公司",
        "company",
        ["decoration", "house_repair"],
        "LX02-01",
        81,
        200,
    ),
    ("FR04", "溪口顺达搬家服务有限公司", "company", ["moving", "delivery"], "LX03-01", 78, 250),
    ("FR05", "文昌邻里保洁服务社", "social_org", ["cleaning"], "LX04-02", 88, 20),
    ("FR06", "城北便民配送站", "sole_trader", ["delivery", "booking"], "LX05-01", 84, 320),
    ("FR07", "桂湖法律服务所", "social_org", ["legal"], "LX06-01", 95, 330),
    ("FR08", "澜溪代办服务中心", "company", ["agency", "booking"], "LX01-03", 83, 280),
    (
        "FR09",
        "白沙水电维修部",
        "sole_trader",
        ["house_repair", "appliance_repair"],
        "LX07-01",
        72,
        260,
    ),
    ("FR10", "青石家政服务合作社", "social_org", ["cleaning", "moving"], "LX08-01", 80, 240),
    ("FR11", "梅岭家电服务有限公司", "company", ["appliance_repair"], "LX09-01", 90, 310),
    ("FR12", "柳塘速达搬家公司", "company", ["moving"], "LX10-01", 58, 150),
]

PRICES: list[tuple[str, str, str, str]] = [
    ("cleaning", "150", "次（3小时）", "日常保洁"),
    ("moving", "400", "车", "市区内，含两名搬运工"),
    ("house_repair", "100", "次", "上门费，材料另计"),
    ("decoration", "300", "平方米", "局部翻新参考价"),
    ("appliance_repair", "80", "次", "上门检测费，配件另计"),
    ("delivery", "15", "单", "区内配送"),
    ("booking", "10", "次", "代为预约"),
    ("legal", "0", "次", "法律咨询免费，代理另议"),
    ("agency", "50", "件", "代办证照"),
]

VOLUNTEERS: list[tuple[str, list[str], str, str]] = [
    ("陈医生", ["doctor"], "LX01-01", "周六上午"),
    ("林医生", ["doctor"], "LX04-01", "工作日晚间"),
    ("王律师", ["lawyer"], "LX06-01", "每月第一个周日"),
    ("赵律师", ["lawyer"], "LX02-02", "周三下午"),
    ("孙老师", ["counsellor"], "LX03-02", "周末"),
    ("周心理咨询师", ["counsellor"], "LX05-02", "工作日下午"),
    ("澜溪大学志愿队 小李", ["student"], "LX04-03", "寒暑假"),
    ("澜溪大学志愿队 小张", ["student", "handyman"], "LX04-04", "周末"),
    ("退休电工 老吴", ["handyman"], "LX07-02", "随时"),
    ("退休护士 钱阿姨", ["doctor", "counsellor"], "LX02-03", "工作日上午"),
]

DEMO_STAFF = [
    ("franchise1", "FR01", "加盟企业员工 何平"),
    ("franchise2", "FR02", "加盟企业员工 许亮"),
]


def _franchisees(now: datetime) -> int:
    today = timezone.localtime(now).date()
    areas = {a.code: a for a in Area.objects.all()}
    for code, name, kind, services, base, credit, days in FRANCHISEES:
        unit, _new = Unit.objects.get_or_create(
            code=code,
            defaults={"name": name, "kind": Unit.Kind.OTHER, "phone": "0571-8800" + code[2:]},
        )
        franchisee, created = Franchisee.objects.get_or_create(
            unit=unit,
            defaults={
                "kind": kind,
                "licence_number": f"913301{code}A",
                "services": services,
                "base_area": areas.get(base),
                "hours": "每天 8:00-20:00",
                "credit": credit,
                "stars": 5 if credit >= 95 else 4 if credit >= 85 else 3 if credit >= 70 else 2,
            },
        )
        if created:
            Agreement.objects.create(
                franchisee=franchisee,
                rights="优先获得中心派单；使用“96345”加盟标识",
                duties="按时响应中心指令，文明上门服务，接受回访和考核",
                hours="每天 8:00-20:00",
                standards="执行中心服务规范和行业标准，明码标价",
                fees="免收加盟费",
                response_minutes=30,
                onsite_hours=24,
                valid_from=today - timedelta(days=365 - days if days < 365 else 1),
                valid_until=today + timedelta(days=days),
                signed_at=now - timedelta(days=100),
            )
    return Franchisee.objects.count()


def _staff() -> None:
    for username, code, full_name in DEMO_STAFF:
        unit = Unit.objects.get(code=code)
        user, new = User.objects.get_or_create(
            username=username, defaults={"full_name": full_name, "unit": unit}
        )
        if new:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        UserRole.objects.get_or_create(user=user, role=Role.UNIT_HANDLER.value)


def _orders(now: datetime) -> None:
    """A served and fed-back order, an accepted one, one waiting for acceptance, a blacklist."""
    if MarketOrder.objects.exists():
        return
    agent = User.objects.filter(username="agent").first()
    admin = User.objects.filter(username="centreadmin").first()
    first = User.objects.filter(username="franchise1").first()
    if agent is None or admin is None or first is None:
        return
    stories = [
        (
            "家里老人需要每周一次上门保洁",
            "LX01-04",
            "13900006601",
            "served",
            now - timedelta(days=3),
        ),
        (
            "需要搬家，两室一厅，周末",
            "LX01-05",
            "13900006602",
            "accepted",
            now - timedelta(hours=5),
        ),
        (
            "需要深度保洁，新房入住前",
            "LX01-01",
            "13900006603",
            "offered",
            now - timedelta(minutes=5),
        ),
    ]
    for content, area, phone, step, at in stories:
        with transaction.atomic():
            ticket = tsvc.ticket_register(
                actor=agent,
                channel="phone",
                category="help",
                content=content,
                citizen_phone=phone,
                area_code=area,
                now=at,
            )
            if "dispatch" not in tsvc.ticket_actions_for(agent, ticket, at):
                reviewer = User.objects.filter(username="reviewer").first()
                if reviewer is None:
                    continue
                tsvc.ticket_review(actor=reviewer, ticket=ticket, now=at)
            service = "moving" if "搬家" in content else "cleaning"
            order = svc.market_dispatch(
                actor=agent,
                ticket=ticket,
                service=service,
                franchisee_code="FR01",
                citizen_choice=True,
                now=at,
            )
            if step == "offered":
                continue
            svc.market_accept(
                actor=first, ticket_number=ticket.number, now=at + timedelta(minutes=10)
            )
            if step == "served":
                order = svc.market_report(
                    actor=first,
                    ticket_number=ticket.number,
                    price=Decimal("160"),
                    agreed_at=at + timedelta(minutes=30),
                    served_at=at + timedelta(days=1),
                    note="已完成保洁，居民现场确认",
                    citizen_satisfaction="satisfied",
                    now=at + timedelta(days=1, hours=2),
                )
                svc.feedback_fill(
                    sheet=order.feedback,
                    quality=5,
                    attitude=5,
                    punctuality=4,
                    price_fair=True,
                    comment="阿姨很细心",
                    now=at + timedelta(days=2),
                )
    bad = Franchisee.objects.filter(unit__code="FR12").first()
    if bad is not None and not bad.blacklisted:
        svc.franchisee_sanction(
            actor=admin,
            franchisee=bad,
            kind=CreditDecision.Kind.BLACKLIST,
            reason="年度内三次经核实的乱收费投诉，整改不到位",
            now=now - timedelta(days=10),
        )


def franchise_demo_load(now: datetime) -> int:
    with transaction.atomic():
        count = _franchisees(now)
        for service, price, per, note in PRICES:
            PriceGuide.objects.get_or_create(
                service=service, defaults={"price": Decimal(price), "unit_label": per, "note": note}
            )
        areas = {a.code: a for a in Area.objects.all()}
        for i, (name, skills, area, availability) in enumerate(VOLUNTEERS, start=1):
            Volunteer.objects.get_or_create(
                name=name,
                defaults={
                    "phone": f"1370000{i:04d}",
                    "skills": skills,
                    "area": areas.get(area),
                    "availability": availability,
                },
            )
        _staff()
    _orders(now)
    return count


def franchise_demo(options: DemoOptions) -> list[str]:
    """The market services' demo loader (``FranchiseConfig.demo_loader``)."""
    count = franchise_demo_load(options.now)
    return [
        f"Market services: {count} franchisees, {Volunteer.objects.count()} volunteers; "
        f"logins franchise1, franchise2 (password {DEMO_PASSWORD})."
    ]
