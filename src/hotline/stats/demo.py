"""The statistics' demo step: six months of ticket history, rollups and call records.

The tickets' demo covers the last three months. The dashboard's 12-week and 12-month trends and
the ranking need more, so this step plays ``HISTORY`` further tickets registered 88 to 200
days before the demo's clock, each through the tickets' services with an injected clock (the
same stories as the tickets' demo, finished ones only), delivers what they notified, then
rebuilds the rollups over every demo ticket.
"""

from __future__ import annotations

import logging
import random
from datetime import timedelta
from typing import TYPE_CHECKING

from hotline.stats.facts import local_day
from hotline.stats.models import CallRecord
from hotline.stats.rollup import rollup_rebuild
from hotline.tickets.models import Ticket

if TYPE_CHECKING:
    from hotline.core.demo import DemoOptions

#: Historical tickets (88–200 days old): about the monthly density of the tickets' demo.
HISTORY = 220
#: The finished stories the history is made of, by weight.
HISTORY_TARGETS = (
    ("closed", 10),
    ("archived", 5),
    ("answered", 3),
    ("not_accepted", 1),
    ("explained", 1),
    ("called_back", 1),
    ("dissatisfied", 1),
)

AGENTS = ("agent1", "agent2", "agent3", "agent4", "agent5", "agent6")


def _calls(options: DemoOptions) -> int:
    """Create about 40 inbound calls a day for 183 days before the demo's clock (once)."""
    if CallRecord.objects.filter(call_id__startswith="demo-").exists():
        return 0
    rng = random.Random(14)  # noqa: S311  (demo data, not security)
    rows = []
    start = options.now - timedelta(days=183)
    for n in range(183 * 40):
        offered = start + timedelta(seconds=rng.randrange(183 * 86400))
        offered = offered.replace(hour=8 + offered.hour % 12)
        wait = rng.expovariate(1 / 12)
        answered = offered + timedelta(seconds=wait) if wait < 60 else None
        rows.append(
            CallRecord(
                call_id=f"demo-{n}",
                number=f"139{rng.randrange(10**8):08d}",
                direction="inbound",
                offered_at=offered,
                answered_at=answered,
                ended_at=(answered or offered) + timedelta(seconds=rng.randrange(30, 600)),
                agent=rng.choice(AGENTS) if answered else "",
                queue="12345",
                recording_url=f"/recordings/demo-{n}.wav" if answered else "",
            )
        )
    CallRecord.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    return len(rows)


def _history(options: DemoOptions, count: int = HISTORY) -> int:
    """Play ``count`` finished tickets registered 88–200 days before the clock (once)."""
    import contextlib
    import json

    from django.db import transaction

    from hotline.accounts.models import User
    from hotline.core.errors import DomainError
    from hotline.directory.models import Area, Unit
    from hotline.notifications.services import outbox_deliver
    from hotline.tickets import demo as tdemo
    from hotline.tickets import services as svc

    now = options.now
    if Ticket.objects.filter(registered_at__lt=now - timedelta(days=95)).exists():
        return 0
    requests = json.loads(tdemo.REQUESTS.read_text(encoding="utf-8"))
    units = {u.code: u for u in Unit.objects.filter(code__in={r["unit"] for r in requests})}
    people = {u.username: u for u in User.objects.filter(unit__kind="centre")}
    if not units or "agent" not in people:
        return 0
    clerks = tdemo._clerks(set(units))
    areas = list(Area.objects.filter(kind__in=["community", "village"]).order_by("code"))
    rng = random.Random(1406)  # noqa: S311  (deterministic demo data, not security)
    targets = [t for t, weight in HISTORY_TARGETS for _ in range(weight)]
    made = 0
    for i in range(count):
        target = targets[i % len(targets)]
        request = requests[rng.randrange(len(requests))]
        unit = units[request["unit"]]
        area = rng.choice(areas) if areas else None
        place = f"{area.name}{rng.randint(1, 40)}幢" if area else "小区"
        start = tdemo._working_hours(now - timedelta(days=rng.uniform(88, 200)), rng)
        end = start + timedelta(days=rng.uniform(2, 9))
        with transaction.atomic():
            ticket = svc.ticket_register(
                actor=people["agent"],
                channel=rng.choice(["phone"] * 6 + ["web", "wechat", "sms", "app"]),
                category=request["category"],
                content=request["content"].format(place=place),
                citizen_phone=f"1390001{i:04d}",
                address=f"江州市澜溪区{place}" if area else "",
                area_code=area.code if area else None,
                now=start,
            )
            with contextlib.suppress(DomainError):
                story = tdemo._Story(ticket, start, end, tdemo.STEPS[target])
                tdemo._play(target, story, people, clerks[unit.code], unit, rng)
        made += 1
    quiet = logging.getLogger("hotline.notifications")
    level = quiet.level
    quiet.setLevel(logging.WARNING)
    try:
        outbox_deliver(now=now, limit=100_000)
    finally:
        quiet.setLevel(level)
    return made


def stats_demo(options: DemoOptions) -> list[str]:
    """Play six months of history, rebuild the rollups over the demo tickets and add the calls
    (``StatsConfig.demo_loader``)."""
    history = _history(options)
    first = Ticket.objects.order_by("registered_at").first()
    done = {"tickets": 0, "rollups": 0}
    if first is not None:
        done = rollup_rebuild(local_day(first.registered_at), local_day(options.now))
    calls = _calls(options)
    return [
        f"Statistics: {history} historical tickets, {done['tickets']} tickets rolled up, "
        f"{calls} call records."
    ]
