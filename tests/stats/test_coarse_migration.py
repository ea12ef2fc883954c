"""The migration that adds the coarse rollups fills them from the fine ones (decision 0012)."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from hotline.stats import selectors as sel
from hotline.stats.models import CentreDayBreakdown, UnitDayRollup, UnitMonthRollup


@pytest.mark.django_db(transaction=True)
def test_the_migration_sums_existing_fine_rollups_into_the_coarse_ones():
    before = [("stats", "0003_stored_reports")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    fine = executor.loader.project_state(before).apps.get_model("stats", "DailyRollup")
    rows = [
        (date(2026, 10, 3), 0, "phone", "complaint", 7, 2),
        (date(2026, 10, 3), 0, "web", "help", 0, 1),
        (date(2026, 10, 3), 5, "phone", "complaint", 7, 2),
        (date(2026, 10, 3), 5, "web", "help", 0, 1),
        (date(2026, 10, 20), 5, "phone", "help", 7, 4),
    ]
    for day, unit_key, channel, category, area_key, n in rows:
        fine.objects.create(
            day=day,
            unit_key=unit_key,
            channel=channel,
            category=category,
            area_key=area_key,
            registered=n,
            received=n if unit_key else 0,
        )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    day = UnitDayRollup.objects.get(day=date(2026, 10, 3), unit_key=5)
    assert (day.registered, day.received) == (3, 3)
    month = UnitMonthRollup.objects.get(month=date(2026, 10, 1), unit_key=5)
    assert (month.registered, month.received) == (7, 7)
    channels = CentreDayBreakdown.objects.filter(dimension="channel", day=date(2026, 10, 3))
    assert dict(channels.values_list("key", "registered")) == {"phone": 2, "web": 1}
    areas = sel.breakdown(sel.Period(date(2026, 10, 1), date(2026, 10, 31)), "area_key")
    assert [(r["key"], r["registered"]) for r in areas] == [(0, 1), (7, 2)]
