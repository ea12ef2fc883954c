"""Demo citizens: fictional callers with clearly fictional numbers (139 0000 xxxx)."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from django.db import transaction

from hotline.citizens.models import Citizen
from hotline.directory.models import Area

if TYPE_CHECKING:
    from hotline.core.demo import DemoOptions

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
_GIVEN = ["先生", "女士", "阿姨", "师傅", "大爷"]


@transaction.atomic
def citizens_demo_load(count: int = 60) -> int:
    """Create ``count`` demo citizens (idempotent by phone); return how many exist."""
    rng = random.Random(12345)  # noqa: S311  (deterministic demo data, not security)
    communities = list(Area.objects.filter(kind__in=["community", "village"]).order_by("code"))
    for i in range(count):
        phone = f"1390000{i:04d}"
        area = communities[i % len(communities)] if communities else None
        name = "" if i % 9 == 0 else rng.choice(_SURNAMES) + rng.choice(_GIVEN)
        Citizen.objects.get_or_create(
            phone=phone,
            defaults={
                "name": name,
                "area": area,
                "address": (
                    f"{area.name if area else ''}{rng.randint(1, 40)}幢{rng.randint(1, 6)}单元"
                ),
            },
        )
    return Citizen.objects.filter(phone__startswith="1390000").count()


def citizens_demo(options: DemoOptions) -> list[str]:
    """The citizens' demo loader (``CitizensConfig.demo_loader``)."""
    return [f"Citizens: {citizens_demo_load()}."]
