"""The statistics' demo step: rollups of the demo tickets and six months of call records."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import TYPE_CHECKING

from hotline.stats.facts import local_day
from hotline.stats.models import CallRecord
from hotline.stats.rollup import rollup_rebuild
from hotline.tickets.models import Ticket

if TYPE_CHECKING:
    from hotline.core.demo import DemoOptions

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


def stats_demo(options: DemoOptions) -> list[str]:
    """Rebuild the rollups over the demo tickets and add the calls (``StatsConfig.demo_loader``)."""
    first = Ticket.objects.order_by("registered_at").first()
    done = {"tickets": 0, "rollups": 0}
    if first is not None:
        done = rollup_rebuild(local_day(first.registered_at), local_day(options.now))
    calls = _calls(options)
    return [f"Statistics: {done['tickets']} tickets rolled up, {calls} call records."]
