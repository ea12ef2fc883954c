"""The channels' demo data: published information on the desk and the portal, a peer."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from hotline.channels.models import Bulletin, Peer
from hotline.directory.models import Unit

if TYPE_CHECKING:
    from hotline.core.demo import DemoOptions

BULLETINS = [
    (
        "outage",
        "东门街道计划停水",
        "因管网维修，东门街道部分小区明日 9:00—17:00 停水，请提前储水。",
    ),
    ("weather", "暴雨蓝色预警", "预计未来 12 小时本区有暴雨，请减少外出，注意防范积水。"),
    ("holiday", "元旦假期办事安排", "元旦假期政务服务中心闭馆，热线 24 小时服务不间断。"),
    ("hours", "区图书馆开放时间调整", "区图书馆周一闭馆，周二至周日 9:00—20:00 开放。"),
]


def channels_demo(options: DemoOptions) -> list[str]:
    """Publish the demo information (idempotent) and configure one peer platform."""
    centre = Unit.objects.filter(kind=Unit.Kind.CENTRE).order_by("id").first()
    if centre is None:
        return []
    made = 0
    for kind, title, body in BULLETINS:
        _row, created = Bulletin.objects.get_or_create(
            title=title,
            defaults={
                "kind": kind,
                "body": body,
                "unit": centre,
                "valid_from": options.now - timedelta(hours=2),
                "valid_until": options.now + timedelta(days=7),
            },
        )
        made += int(created)
    Peer.objects.get_or_create(
        name="city-12345",
        defaults={"url": "http://127.0.0.1:8001/", "secret": "demo-peer-secret", "active": False},
    )
    return [f"channels: {made} bulletins published, 1 peer platform (inactive)"]
