"""Statistics at a big city's scale (issue 14): the ranking, a drill-down and the dashboard's
data from the rollups, beside a naive GROUP BY over the tickets in the same run, and the
incremental rollup's throughput.

On a fresh PostgreSQL database the child process:

1. creates 300 units (30 departments of 9 sections each and their parents) and 60 areas;
2. generates ``--tickets`` tickets (default 10,000,000) over three years with skewed
   distributions (units: Zipf-like; channels and categories: fixed shares; more on weekdays),
   their per-unit facts and the rollups (fine and coarse), with bulk SQL (the services are not
   measured);
3. times, best of 3: the unit ranking for a month and for a year (``selectors.ranking``), one
   unit's year drill-down (first page, ``selectors.fact_tickets``, and the number with its
   ticket count, ``selectors.fact_total``), the dashboard's
   data (today, the month, trends by week and month, intake by channel, category and area);
   and beside them the naive reference: ``GROUP BY`` unit over the tickets of the month and
   the year (tickets joined with their assignments, no rollup);
4. rebuilds one day (the last of that month) with ``rollup_rebuild``, the code path of
   ``hotline stats rebuild`` (the generation's facts are bulk SQL: a rebuild of three years
   through the ORM would take hours);
5. registers and dispatches ``--events`` worth of real tickets with the services and times the
   worker's outbox delivery of their events to ``stats.rollup`` (batches of up to
   ``core.events.BATCH``; events per second).

Targets: every query < 300 ms; the rollup >= 1,000 events/s.

    .venv/bin/python bench/stats.py [--tickets 10000000] [--events 2000]

PostgreSQL is reached with ``HOTLINE_BENCH_PG_URL`` (default: the CI role on 127.0.0.1, database
``hotline_bench_stats``), created and dropped by the script.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

ROOT = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get(
    "HOTLINE_BENCH_PG_URL", "postgres://hotline:hotline-ci@127.0.0.1:5432/hotline_bench_stats"
)
TARGET_MS = 300.0
TARGET_EVENTS = 1000.0


def _best(fn: Callable[[], Any], tries: int = 3) -> float:
    """Return the best wall time of ``fn`` in milliseconds."""
    best = float("inf")
    for _ in range(tries):
        began = time.perf_counter()
        fn()
        best = min(best, (time.perf_counter() - began) * 1000)
    return round(best, 1)


def child(tickets: int, events: int) -> dict[str, Any]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from datetime import date, timedelta

    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from hotline.accounts.models import User, UserRole
    from hotline.directory.models import Area, Unit
    from hotline.notifications.models import OutboxMessage
    from hotline.notifications.services import outbox_deliver
    from hotline.stats import selectors as sel
    from hotline.stats.models import (
        COUNTERS,
        CentreDayBreakdown,
        DailyRollup,
        Fact,
        UnitDayRollup,
        UnitMonthRollup,
    )
    from hotline.stats.rollup import rollup_rebuild
    from hotline.tickets import services as svc
    from hotline.tickets.models import Assignment, Ticket

    call_command("migrate", verbosity=0)
    centre = Unit.objects.create(code="CENTRE", name="热线中心", kind=Unit.Kind.CENTRE)
    leaves: list[Unit] = []
    for d in range(30):
        parent = Unit.objects.create(code=f"D{d:02d}", name=f"部门{d:02d}")
        for s in range(9):
            leaves.append(
                Unit.objects.create(code=f"D{d:02d}S{s}", name=f"部门{d:02d}科{s}", parent=parent)
            )
    for a in range(60):
        Area.objects.create(code=f"AR{a:02d}", name=f"街道{a:02d}", kind=Area.Kind.SUBDISTRICT)
    agent = User.objects.create(username="agent", unit=centre)
    UserRole.objects.create(user=agent, role="agent")
    UserRole.objects.create(user=agent, role="reviewer")
    supervisor = User.objects.create(username="boss", unit=centre)
    UserRole.objects.create(user=supervisor, role="supervisor")
    template = svc.ticket_register(
        actor=agent,
        channel="phone",
        category="help",
        content="路灯不亮",
        citizen_phone="13900000000",
    )
    svc.ticket_dispatch(actor=agent, ticket=template, unit_code=leaves[0].code)

    # -- generation (bulk SQL) --------------------------------------------------------------
    unit_ids = [u.pk for u in leaves]
    area_ids = list(Area.objects.values_list("pk", flat=True))
    today = timezone.localdate()
    first_day = today - timedelta(days=3 * 365)
    t_table, a_table = Ticket._meta.db_table, Assignment._meta.db_table
    fields = [f for f in Ticket._meta.concrete_fields if not f.primary_key]
    override = {
        "number": "'B' || lpad(g::text, 12, '0')",
        "registered_at": f"(timestamp '{first_day}' + (power(random(), 0.8) * 1095)"
        " * interval '1 day') at time zone 'Asia/Shanghai'",
        "channel": "(ARRAY['phone','phone','phone','phone','web','wechat','app','sms'])"
        "[1 + floor(random() * 8)::int]",
        "category": "(ARRAY['complaint','complaint','help','help','consultation','report',"
        "'suggestion'])[1 + floor(random() * 7)::int]",
        "area_id": f"(ARRAY{area_ids})[1 + floor(random() * {len(area_ids)})::int]",
        "state": "'closed'",
    }
    columns = ", ".join(f.column for f in fields)
    values = ", ".join(override.get(f.column, f.column) for f in fields)
    began = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
        step = 1_000_000
        for low in range(1, tickets + 1, step):
            high = min(low + step - 1, tickets)
            cursor.execute(
                f"INSERT INTO {t_table} ({columns}) SELECT {values} "  # noqa: S608 - own SQL
                f"FROM {t_table}, generate_series({low}, {high}) g WHERE id = %s",
                [template.pk],
            )
        # One lead assignment per ticket, units Zipf-like (a few units get most tickets).
        lead = Assignment.objects.get(ticket=template)
        a_fields = [f for f in Assignment._meta.concrete_fields if not f.primary_key]
        a_override = {
            "ticket_id": "t.id",
            "unit_id": f"(ARRAY{unit_ids})[1 + floor(power(random(), 2.5) * {len(unit_ids)})::int]",
            "dispatched_at": "t.registered_at + interval '1 hour'",
        }
        a_columns = ", ".join(f.column for f in a_fields)
        a_values = ", ".join(a_override.get(f.column, f"x.{f.column}") for f in a_fields)
        cursor.execute(
            f"INSERT INTO {a_table} ({a_columns}) SELECT {a_values} FROM {t_table} t, "  # noqa: S608
            f"{a_table} x WHERE x.id = %s AND t.number LIKE 'B%%'",
            [lead.pk],
        )
        counters = ", ".join(COUNTERS)
        # Facts: the centre's row and the unit's row per ticket, plausible counters.
        per_ticket = {n: "0" for n in COUNTERS}
        per_ticket.update(
            registered="1",
            accepted="1",
            received="1",
            signed_in_time="(r < 0.95)::int",
            replied="(r < 0.9)::int",
            on_time="(r < 0.85)::int",
            overdue="(r >= 0.85 AND r < 0.9)::int",
            extended="(r >= 0.9 AND r < 0.92)::int",
            returned="(r >= 0.97)::int",
            closed="(r < 0.9)::int",
            callbacks="(r < 0.6)::int",
            satisfied="(r < 0.45)::int",
            basically_satisfied="(r >= 0.45 AND r < 0.55)::int",
            dissatisfied="(r >= 0.55 AND r < 0.6)::int",
            supervised="(r > 0.995)::int",
        )
        select = ", ".join(per_ticket[n] for n in COUNTERS)
        f_table = Fact._meta.db_table
        for unit_expr in ("a.unit_id", "0"):
            cursor.execute(
                f"INSERT INTO {f_table} (ticket_id, unit_key, day, channel, category, area_key, "  # noqa: S608
                f"{counters}) SELECT t.id, {unit_expr}, "
                "(t.registered_at at time zone 'Asia/Shanghai')::date, t.channel, t.category, "
                f"coalesce(t.area_id, 0), {select} FROM (SELECT *, random() AS r FROM {t_table} "
                f"WHERE number LIKE 'B%%') t JOIN {a_table} a ON a.ticket_id = t.id "
                "AND a.role = 'lead'"
            )
        sums = ", ".join(f"sum({n})" for n in COUNTERS)
        cursor.execute(
            f"INSERT INTO {DailyRollup._meta.db_table} (day, unit_key, channel, category, "  # noqa: S608
            f"area_key, {counters}) SELECT day, unit_key, channel, category, area_key, {sums} "
            f"FROM {f_table} GROUP BY day, unit_key, channel, category, area_key"
        )
        # The coarse rollups, summed from the fine ones as the migration and a rebuild do.
        fine = DailyRollup._meta.db_table
        cursor.execute(
            f"INSERT INTO {UnitDayRollup._meta.db_table} (day, unit_key, {counters}) "  # noqa: S608
            f"SELECT day, unit_key, {sums} FROM {fine} GROUP BY day, unit_key"
        )
        cursor.execute(
            f"INSERT INTO {UnitMonthRollup._meta.db_table} (month, unit_key, {counters}) "  # noqa: S608
            f"SELECT date_trunc('month', day)::date, unit_key, {sums} FROM {fine} "
            "GROUP BY 1, unit_key"
        )
        for dimension, column in (
            ("channel", "channel"),
            ("category", "category"),
            ("area", "area_key"),
        ):
            cursor.execute(
                f"INSERT INTO {CentreDayBreakdown._meta.db_table} (day, dimension, key, "  # noqa: S608
                f"{counters}) SELECT day, %s, {column}::text, {sums} FROM {fine} "
                f"WHERE unit_key = 0 GROUP BY day, {column}",
                [dimension],
            )
        cursor.execute("ANALYZE")
    generate_s = round(time.perf_counter() - began, 1)

    # -- queries ----------------------------------------------------------------------------
    month = sel.Period(today.replace(day=1) - timedelta(days=1), today)
    month = sel.Period(month.start.replace(day=1), month.start)  # last whole month
    year = sel.Period(date(today.year - 1, 1, 1), date(today.year - 1, 12, 31))
    units = list(sel.units_visible(supervisor))
    busiest = Unit.objects.get(pk=unit_ids[0])

    def drilldown() -> None:
        # What the drill-down page reads: its first page of facts, the number and its tickets.
        facts = sel.fact_tickets(year, busiest, "received")
        list(facts[:50])
        sel.fact_total(year, busiest, "received")

    def dashboard() -> None:
        sel.centre_figures(sel.Period(today, today))
        sel.centre_figures(sel.Period(today.replace(day=1), today))
        sel.trend(sel.Period(today - timedelta(weeks=12), today), "week")
        sel.trend(sel.Period(today.replace(day=1) - timedelta(days=365), today), "month")
        for dimension in ("channel", "category", "area_key"):
            sel.breakdown(month, dimension)

    def naive(period: Any) -> None:
        from hotline.stats.rollup import day_bounds

        low, high = day_bounds(period.start, period.end)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT a.unit_id, count(*), count(*) FILTER (WHERE t.state = 'closed') "  # noqa: S608
                f"FROM {t_table} t "
                f"JOIN {a_table} a ON a.ticket_id = t.id AND a.role = 'lead' "
                "WHERE t.registered_at >= %s AND t.registered_at < %s GROUP BY a.unit_id",
                [low, high],
            )
            cursor.fetchall()

    figures: dict[str, Any] = {
        "tickets": Ticket.objects.count(),
        "facts": Fact.objects.count(),
        "rollup_rows": DailyRollup.objects.count(),
        "coarse_rows": UnitDayRollup.objects.count()
        + UnitMonthRollup.objects.count()
        + CentreDayBreakdown.objects.count(),
        "generate_s": generate_s,
        "ranking_month_ms": _best(lambda: sel.ranking(month, units)),
        "ranking_year_ms": _best(lambda: sel.ranking(year, units)),
        "drilldown_year_ms": _best(drilldown),
        "dashboard_ms": _best(dashboard),
        "naive_month_ms": _best(lambda: naive(month)),
        "naive_year_ms": _best(lambda: naive(year)),
    }

    # -- rebuild: one day with the code path of ``hotline stats rebuild`` (tickets per second) --
    day = month.end
    began = time.perf_counter()
    rebuilt = rollup_rebuild(day, day)
    figures["rebuild_day_tickets"] = rebuilt["tickets"]
    figures["rebuild_day_s"] = round(time.perf_counter() - began, 1)

    # -- incremental rollup -----------------------------------------------------------------
    for i in range(max(1, events // 4)):
        t = svc.ticket_register(
            actor=agent,
            channel="phone",
            category="complaint",
            content=f"噪音扰民 {i}",
            citizen_phone=f"138{i:08d}",
        )
        svc.ticket_dispatch(actor=agent, ticket=t, unit_code=leaves[i % 50].code)
    # What the worker does: deliver the outbox, where stats.rollup takes its events in batches
    # (claim, receipts, one recomputation per touched ticket, one upsert, marks).
    pending = OutboxMessage.objects.filter(
        delivered_at__isnull=True, adapter="event", payload__subscriber="stats.rollup"
    ).count()
    began = time.perf_counter()
    delivered, failed = outbox_deliver(limit=pending)
    spent = time.perf_counter() - began
    if failed or delivered != pending:
        raise SystemExit(f"rollup delivery: {delivered} of {pending} delivered, {failed} failed")
    figures["rollup_events"] = delivered
    figures["rollup_events_per_s"] = round(delivered / spent, 1)
    return figures


def _pg_admin(url: str, sql: str) -> None:
    import psycopg

    parts = urlparse(url)
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=10_000_000)
    parser.add_argument("--events", type=int, default=2000, help="rollup events to time")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.tickets, args.events)))
        return 0
    name = urlparse(PG_URL).path.lstrip("/")
    _pg_admin(PG_URL, f'DROP DATABASE IF EXISTS "{name}"')
    _pg_admin(PG_URL, f'CREATE DATABASE "{name}"')
    print(f"PostgreSQL: {args.tickets:,} tickets over three years, 300 units ...", flush=True)
    try:
        with tempfile.TemporaryDirectory() as var:
            env = dict(os.environ, HOTLINE_DATABASE_URL=PG_URL, HOTLINE_VAR_DIR=var)
            command = [sys.executable, __file__, "--child", "--tickets", str(args.tickets)]
            command += ["--events", str(args.events)]
            done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    finally:
        _pg_admin(PG_URL, f'DROP DATABASE IF EXISTS "{name}"')
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit("benchmark child failed")
    r = json.loads(done.stdout.strip().splitlines()[-1])
    print(
        f"generated {r['tickets']:,} tickets, {r['facts']:,} facts, {r['rollup_rows']:,} rollup"
        f" rows ({r['coarse_rows']:,} coarse) in {r['generate_s']} s"
    )
    rows = [
        ("unit ranking, one month", r["ranking_month_ms"], r["naive_month_ms"]),
        ("unit ranking, one year", r["ranking_year_ms"], r["naive_year_ms"]),
        ("one unit's year drill-down", r["drilldown_year_ms"], None),
        ("dashboard data", r["dashboard_ms"], None),
    ]
    failed = False
    print(f"{'query (best of 3)':<30}{'ms':>10}{'naive GROUP BY ms':>20}  target < {TARGET_MS} ms")
    for label, ms, ref in rows:
        ok = ms < TARGET_MS
        failed |= not ok
        print(f"{label:<30}{ms:>10}{'' if ref is None else ref:>20}  {'ok' if ok else 'MISSED'}")
    print(
        f"rebuild (hotline stats rebuild) of one day: {r['rebuild_day_tickets']:,} tickets in"
        f" {r['rebuild_day_s']} s"
    )
    ok = r["rollup_events_per_s"] >= TARGET_EVENTS
    failed |= not ok
    print(
        f"incremental rollup: {r['rollup_events_per_s']} events/s over {r['rollup_events']} events"
        f"  target >= {TARGET_EVENTS:.0f}  {'ok' if ok else 'MISSED'}"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
