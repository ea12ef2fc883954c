"""Full ticket lifecycles per second and sweep times, beside pgbench in the same run (issue 5 §6).

For SQLite and for PostgreSQL, on a fresh database each:

1. registers N tickets and runs each through register → dispatch → sign → contact → reply →
   callback → close with the services (one transaction per action, as in production);
2. loads 1,000,000 open deadlines, none due, and times the sweep (it must not scan);
3. makes 10,000 of them due and times the sweep that handles them (events + outbox rows).

The reference is pgbench's default TPC-B-like script (``pgbench -c 1 -T 20``) on the same
PostgreSQL server. Targets on the 2-core machine, PostgreSQL: >= 100 lifecycles/s, a sweep with
nothing due < 50 ms, 10,000 due handled < 5 s. On a shared machine the figure to read is the
ratio of lifecycles/s to pgbench's tps measured in the same run (issue 18: goal >= 0.08). It
also prints the statements each action takes (one lifecycle after the warm-up counted;
tests/tickets/test_hot_path.py pins them).

    .venv/bin/python bench/lifecycle.py [--n 500] [--deadlines 1000000] [--pgbench-seconds 20]

PostgreSQL is reached with ``HOTLINE_BENCH_PG_URL`` (default: the CI role on 127.0.0.1); the
script creates and drops the databases ``hotline_bench`` and ``hotline_bench_pgbench`` (named
after the URL's database).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

# Run as a script, this folder comes first on sys.path, and bench/calendar.py would shadow the
# standard library's ``calendar`` module when Django imports ``email``.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

ROOT = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get(
    "HOTLINE_BENCH_PG_URL", "postgres://hotline:hotline-ci@127.0.0.1:5432/hotline_bench"
)
TARGETS = {"lifecycles_per_s": 100.0, "sweep_idle_ms": 50.0, "sweep_10k_s": 5.0, "ratio": 0.08}


# ----------------------------------------------------------------------------- the child


def child(n: int, deadlines: int, due: int, clients: int) -> dict[str, Any]:
    """Run inside a process whose HOTLINE_DATABASE_URL is the fresh database."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from datetime import timedelta

    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from hotline.accounts.models import User, UserRole
    from hotline.directory.models import Unit
    from hotline.tickets import services as svc
    from hotline.tickets.models import Deadline, Ticket
    from hotline.tickets.sweep import deadlines_sweep

    call_command("migrate", verbosity=0)
    centre = Unit.objects.create(code="CENTRE", name="热线中心", kind=Unit.Kind.CENTRE)
    unit = Unit.objects.create(code="ZJJ", name="住建局", kind=Unit.Kind.DEPARTMENT)

    def user(name: str, at: Unit, role: str) -> User:
        made = User.objects.create(username=name, unit=at)
        UserRole.objects.create(user=made, role=role)
        return made

    agent = user("agent", centre, "agent")
    callback = user("callback", centre, "callback")
    handler = user("handler", unit, "unit_handler")

    def lifecycle_steps(i: int) -> list[tuple[str, Any]]:
        """The 7 actions of lifecycle ``i``, each taking the ticket the previous one returned."""
        return [
            (
                "register",
                lambda _t: svc.ticket_register(
                    actor=agent,
                    channel="phone",
                    category="help",
                    content=f"路灯不亮 {i}",
                    citizen_phone=f"139{i:08d}",
                ),
            ),
            ("dispatch", lambda t: svc.ticket_dispatch(actor=agent, ticket=t, unit_code="ZJJ")),
            ("sign", lambda t: svc.ticket_sign(actor=handler, ticket=t)),
            ("contact", lambda t: svc.ticket_contact(actor=handler, ticket=t, note="已联系")),
            ("reply", lambda t: svc.ticket_reply(actor=handler, ticket=t, content="已修复")),
            (
                "callback",
                lambda t: svc.ticket_callback(actor=callback, ticket=t, result="satisfied"),
            ),
            ("close", lambda t: svc.ticket_close(actor=callback, ticket=t)),
        ]

    def lifecycle(i: int) -> None:
        ticket = None
        for _name, action in lifecycle_steps(i):
            ticket = action(ticket)

    for i in range(20):  # warm-up: caches, prepared profile, connection
        lifecycle(i)

    # The statements each action takes (BEGIN and COMMIT included), one lifecycle counted.
    from django.test.utils import CaptureQueriesContext

    statements: dict[str, int] = {}
    counted: dict[str, Any] = {}
    for name, action in lifecycle_steps(19_999):
        with CaptureQueriesContext(connection) as captured:
            counted["ticket"] = action(counted.get("ticket"))
        statements[name] = len(captured)
    began = time.perf_counter()
    for i in range(20, 20 + n):
        lifecycle(i)
    lifecycle_s = time.perf_counter() - began

    # The same with several clients at once, as a web server's worker processes would run them
    # (processes, not threads: the ORM's Python work then uses both cores).
    connection.close()
    began = time.perf_counter()
    pids = []
    for k in range(clients):
        pid = os.fork()
        if pid == 0:  # the client process: its own connection, its share of lifecycles
            status = 0
            try:
                start = 100_000 + k * n
                for i in range(start, start + n // clients):
                    lifecycle(i)
            except Exception:
                status = 1
            finally:
                connection.close()
                os._exit(status)
        pids.append(pid)
    failed = [pid for pid in pids if os.waitpid(pid, 0)[1] != 0]
    concurrent_s = time.perf_counter() - began
    assert not failed, "a client process failed"
    done = n // clients * clients
    assert Ticket.objects.filter(state="closed").count() == n + 21 + done

    # 1,000,000 open deadlines, none due, on 1,000 tickets (bulk SQL; the services are not
    # what is measured here).
    anchor = Ticket.objects.order_by("id").first()
    assert anchor is not None
    table = Deadline._meta.db_table
    columns = "ticket_id, kind, start_at, due_at, warn_at, basis, unit, provisional"
    began = time.perf_counter()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"INSERT INTO {table} ({columns}) "  # noqa: S608 - our own table name
                "SELECT %s, 'reply', now(), now() + interval '10 days' + x * interval '1 second',"
                " now() + interval '5 days', 'bench', 'working_days', false "
                "FROM generate_series(1, %s) AS x",
                [anchor.pk, deadlines],
            )
            cursor.execute(f"ANALYZE {table}")
        else:
            insert = f"INSERT INTO {table} ({columns}) "
            cursor.execute(
                "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < %s) "  # noqa: S608
                + insert
                + "SELECT %s, 'reply', datetime('now'), "
                "strftime('%%Y-%%m-%%d %%H:%%M:%%f', 'now', '+10 days', '+' || x || ' seconds'),"
                " datetime('now', '+5 days'), 'bench', 'working_days', 0 FROM c",
                [deadlines, anchor.pk],
            )
            cursor.execute("ANALYZE")
    load_s = time.perf_counter() - began
    open_count = Deadline.objects.filter(met_at__isnull=True).count()

    idle = []
    for _ in range(7):
        began = time.perf_counter()
        result = deadlines_sweep()
        idle.append(time.perf_counter() - began)
        assert result.warned == 0 and result.overdue == 0

    now = timezone.now()
    ids = list(
        Deadline.objects.filter(basis="bench").order_by("id").values_list("id", flat=True)[:due]
    )
    Deadline.objects.filter(id__in=ids).update(
        due_at=now - timedelta(hours=1), warn_at=now - timedelta(hours=2)
    )
    began = time.perf_counter()
    result = deadlines_sweep()
    due_s = time.perf_counter() - began
    assert result.overdue == due, result
    after = []
    for _ in range(5):
        began = time.perf_counter()
        deadlines_sweep()
        after.append(time.perf_counter() - began)
    return {
        "lifecycles": n,
        "lifecycles_per_s": n / lifecycle_s,
        "ms_per_lifecycle": lifecycle_s / n * 1000,
        "clients": clients,
        "concurrent_per_s": done / concurrent_s,
        "open_deadlines": open_count,
        "load_s": load_s,
        "sweep_idle_ms": statistics.median(idle) * 1000,
        "sweep_due": due,
        "sweep_10k_s": due_s,
        "sweep_after_ms": statistics.median(after) * 1000,
        "statements": statements,
    }


# ----------------------------------------------------------------------------- the parent


def _pg_admin(url: str, sql: str) -> None:
    import psycopg

    parts = urlparse(url)
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def _fresh_pg(url: str) -> None:
    name = urlparse(url).path.lstrip("/")
    _pg_admin(url, f'DROP DATABASE IF EXISTS "{name}"')
    _pg_admin(url, f'CREATE DATABASE "{name}"')


def _run_child(url: str, args: argparse.Namespace, var: str) -> dict[str, Any]:
    env = dict(os.environ, HOTLINE_DATABASE_URL=url, HOTLINE_VAR_DIR=var)
    command = [
        sys.executable,
        __file__,
        "--child",
        "--n",
        str(args.n),
        "--deadlines",
        str(args.deadlines),
        "--due",
        str(args.due),
        "--clients",
        str(args.clients),
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"benchmark child failed on {url.split(':')[0]}")
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def _pgbench(url: str, seconds: int, clients: int = 1) -> float:
    parts = urlparse(url)
    name = f"{parts.path.lstrip('/')}_pgbench"  # beside the bench's own database
    target = parts._replace(path=f"/{name}")
    _pg_admin(target.geturl(), f'DROP DATABASE IF EXISTS "{name}"')
    _pg_admin(target.geturl(), f'CREATE DATABASE "{name}"')
    env = dict(os.environ, PGPASSWORD=parts.password or "")
    base = ["-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432)]
    base += ["-U", parts.username or "postgres"]
    subprocess.run(["pgbench", "-i", "-q", *base, name], env=env, check=True, capture_output=True)  # noqa: S603, S607
    out = subprocess.run(  # noqa: S603
        ["pgbench", "-c", str(clients), "-j", str(clients), "-T", str(seconds), *base, name],  # noqa: S607
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    _pg_admin(target.geturl(), f'DROP DATABASE IF EXISTS "{name}"')
    match = re.search(r"tps = ([\d.]+)", out)
    return float(match.group(1)) if match else float("nan")


def _verdict(key: str, value: float) -> str:
    goal = TARGETS[key]
    ok = value >= goal if key in ("lifecycles_per_s", "ratio") else value < goal
    return "met" if ok else "NOT met"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=500, help="full lifecycles per database")
    parser.add_argument("--deadlines", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients, 2nd run")
    parser.add_argument("--pgbench-seconds", type=int, default=20)
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.n, args.deadlines, args.due, args.clients)))
        return 0

    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as var:
        print(f"SQLite: {args.n} lifecycles, {args.deadlines:,} open deadlines ...", flush=True)
        results["SQLite"] = _run_child(f"sqlite:///{var}/bench.sqlite3", args, var)
        if not args.no_pg:
            print("PostgreSQL: the same ...", flush=True)
            _fresh_pg(PG_URL)
            results["PostgreSQL"] = _run_child(PG_URL, args, var)
            _pg_admin(PG_URL, f'DROP DATABASE IF EXISTS "{urlparse(PG_URL).path.lstrip("/")}"')
    tps = tps_multi = None
    if not args.no_pg:
        print(f"pgbench -c 1 -T {args.pgbench_seconds} (TPC-B-like) ...", flush=True)
        tps = _pgbench(PG_URL, args.pgbench_seconds)
        tps_multi = _pgbench(PG_URL, args.pgbench_seconds, clients=args.clients)

    print()
    header = f"{'':34}" + "".join(f"{name:>14}" for name in results)
    print(header)
    rows = [
        ("full lifecycles / s", "lifecycles_per_s", "{:,.0f}"),
        ("ms per lifecycle (7 actions)", "ms_per_lifecycle", "{:.1f}"),
        (f"lifecycles / s, {args.clients} clients at once", "concurrent_per_s", "{:,.0f}"),
        ("open deadlines", "open_deadlines", "{:,.0f}"),
        ("bulk load of the deadlines, s", "load_s", "{:.1f}"),
        ("sweep, nothing due, ms (median)", "sweep_idle_ms", "{:.2f}"),
        ("sweep of 10,000 due, s", "sweep_10k_s", "{:.2f}"),
        ("sweep right after, ms (median)", "sweep_after_ms", "{:.2f}"),
    ]
    for label, key, fmt in rows:
        print(f"{label:34}" + "".join(f"{fmt.format(r[key]):>14}" for r in results.values()))
    print("statements per action (BEGIN/COMMIT included):")
    for action in next(iter(results.values()))["statements"]:
        print(
            f"  {action:32}" + "".join(f"{r['statements'][action]:>14}" for r in results.values())
        )
    print(
        f"  {'all 7 actions':32}"
        + "".join(f"{sum(r['statements'].values()):>14}" for r in results.values())
    )
    if tps is not None:
        print(f"\nreference: pgbench TPC-B-like, 1 client: {tps:,.0f} tps on the same server")
        if tps_multi is not None:
            print(f"           pgbench TPC-B-like, {args.clients} clients: {tps_multi:,.0f} tps")
        pg = results["PostgreSQL"]
        print(
            f"one lifecycle = 7 business transactions: {pg['lifecycles_per_s'] * 7:,.0f} "
            f"business tx/s = {pg['lifecycles_per_s'] * 7 / tps:.2f} x pgbench's tps"
        )
        ratio = pg["lifecycles_per_s"] / tps
        print(
            f"ratio lifecycles/s : pgbench tps = {pg['lifecycles_per_s']:,.1f} / {tps:,.0f} = "
            f"{ratio:.3f} (goal >= {TARGETS['ratio']:.2f}: {_verdict('ratio', ratio)})"
        )
        print("\ntargets (PostgreSQL):")
        print(
            f"  >= 100 lifecycles/s: {pg['lifecycles_per_s']:,.0f} — "
            f"{_verdict('lifecycles_per_s', pg['lifecycles_per_s'])}"
        )
        print(
            f"  idle sweep < 50 ms: {pg['sweep_idle_ms']:.2f} ms — "
            f"{_verdict('sweep_idle_ms', pg['sweep_idle_ms'])}"
        )
        print(
            f"  10,000 due < 5 s: {pg['sweep_10k_s']:.2f} s — "
            f"{_verdict('sweep_10k_s', pg['sweep_10k_s'])}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
