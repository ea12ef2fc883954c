"""Server time of each staff screen on the demo data, p50 and p95 (issue 7: under 200 ms).

It builds a fresh SQLite database under a temporary folder, loads ``demo-data``, adds tickets
in every stage through the services (N of them, default 600, spread over the last 60 days so
that lights are mixed), then requests every screen through Django's test client as its role
would, R times each (default 30), and prints the server time per screen.

    .venv/bin/python bench/pages.py [N] [R]
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path, and bench/calendar.py would
# shadow the standard library's ``calendar`` module.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

import os  # noqa: E402  (after the sys.path repair above)
import random  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from datetime import timedelta  # noqa: E402

TARGET_MS = 200.0


def setup_django() -> None:
    folder = Path(tempfile.mkdtemp(prefix="hotline-bench-pages-"))
    os.environ["HOTLINE_VAR_DIR"] = str(folder)
    os.environ["HOTLINE_DATABASE_URL"] = f"sqlite:///{folder / 'bench.sqlite3'}"
    os.environ["HOTLINE_ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False)
    call_command("demo_data", verbosity=0)


def make_tickets(n: int) -> None:
    """Register ``n`` tickets through the services and move them along the lifecycle."""
    from django.utils import timezone

    from hotline.accounts.models import User
    from hotline.directory.models import Unit
    from hotline.tickets import services as svc

    rng = random.Random(7)
    agent = User.objects.get(username="agent")
    callback = User.objects.get(username="callback")
    handlers = {
        u.unit.code: u
        for u in User.objects.filter(username__startswith="handler").select_related("unit")
    }
    others = list(
        Unit.objects.filter(active=True, joined=True)
        .exclude(kind="centre")
        .values_list("code", flat=True)
    )[:20]
    now = timezone.now()
    texts = ["电梯停运", "夜间施工噪音", "小区停水", "路灯不亮", "物业乱收费", "垃圾未清运"]
    for i in range(n):
        at = now - timedelta(minutes=rng.randrange(60 * 24 * 60))
        ticket = svc.ticket_register(
            actor=agent,
            channel="phone",
            category=rng.choice(["complaint", "help", "consultation", "suggestion"]),
            content=f"{rng.choice(texts)}（{i}）",
            citizen_phone=f"139{rng.randrange(10**8):08d}",
            now=at,
        )
        stage = rng.random()
        if stage < 0.1:
            continue
        code = rng.choice([*handlers, *others])
        svc.ticket_dispatch(actor=agent, ticket=ticket, unit_code=code, now=at)
        handler = handlers.get(code)
        if handler is None or stage < 0.35:
            continue
        svc.ticket_sign(actor=handler, ticket=ticket, now=at + timedelta(hours=1))
        if stage < 0.6:
            continue
        svc.ticket_reply(
            actor=handler, ticket=ticket, content="已处理", now=at + timedelta(hours=3)
        )
        if stage < 0.8:
            continue
        svc.ticket_callback(
            actor=callback, ticket=ticket, result="satisfied", now=at + timedelta(hours=5)
        )


def measure(runs: int) -> list[tuple[str, float, float]]:
    from django.test import Client

    from hotline.accounts.models import User
    from hotline.tickets.models import Ticket

    some = Ticket.objects.filter(assignments__unit__code="ZJJ").order_by("-registered_at").first()
    assert some is not None
    screens = [
        ("agent", "/desk/", "workstation"),
        ("agent", "/desk/caller/?phone=" + some.citizen.phone, "workstation: caller panel"),
        ("agent", "/desk/assist/?content=电梯停运&category=complaint", "workstation: assist"),
        ("reviewer", "/queue/dispatch/", "review and dispatch queue"),
        ("handler1", "/unit/", "unit inbox"),
        ("handler1", "/unit/?light=overdue", "unit inbox, overdue"),
        ("supervisor", "/board/", "supervision board"),
        ("supervisor", f"/tickets/{some.number}/", "ticket page"),
        ("handler1", f"/tickets/{some.number}/", "ticket page (unit)"),
        ("supervisor", "/tickets/?light=warning", "ticket list"),
        ("callback", "/callbacks/", "callback queue"),
        ("centreadmin", "/manage/", "admin hub"),
        ("agent", "/home/agent/", "home: agent"),
        ("handler1", "/home/unit_handler/", "home: unit handler"),
        ("supervisor", "/home/supervisor/", "home: supervisor"),
    ]
    results = []
    for username, path, label in screens:
        client = Client()
        client.force_login(User.objects.get(username=username))
        times = []
        for _ in range(runs):
            began = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - began) * 1000)
            assert response.status_code == 200, (path, response.status_code)
        times.sort()
        p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
        results.append((label, statistics.median(times), p95))
    return results


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 600
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    setup_django()
    from hotline.tickets.models import Ticket

    began = time.perf_counter()
    make_tickets(n)
    print(
        f"{Ticket.objects.count()} tickets in {time.perf_counter() - began:.1f} s; {runs} runs each"
    )
    print(f"{'screen':<32} {'p50 ms':>8} {'p95 ms':>8}")
    worst = 0.0
    for label, p50, p95 in measure(runs):
        worst = max(worst, p95)
        flag = "" if p95 < TARGET_MS else "  over target"
        print(f"{label:<32} {p50:>8.1f} {p95:>8.1f}{flag}")
    print(f"target: p95 < {TARGET_MS:.0f} ms per screen; worst p95 {worst:.1f} ms")
    return 0 if worst < TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
