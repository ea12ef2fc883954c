"""A separate process for the kill -9 test of the sweep (``test_sweep_kill.py``).

Usage: ``python sweep_child.py setup N | sweep-slow | sweep | report`` with
``HOTLINE_DATABASE_URL`` pointing at a scratch database.
"""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.utils import timezone  # noqa: E402

from hotline.citizens.models import Citizen  # noqa: E402
from hotline.directory.models import Unit  # noqa: E402
from hotline.notifications.models import OutboxMessage  # noqa: E402
from hotline.tickets.models import Assignment, Deadline, Ticket, TicketEvent  # noqa: E402
from hotline.tickets.sweep import deadlines_sweep  # noqa: E402


def setup(n: int) -> None:
    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    now = timezone.now()
    unit = Unit.objects.create(code="ZJJ", name="住建局", kind=Unit.Kind.DEPARTMENT)
    citizen = Citizen.objects.create(phone="13900000000")
    for i in range(n):
        ticket = Ticket.objects.create(
            number=f"20261101-{i:06d}",
            state="dispatched",
            profile="national-12345",
            channel="phone",
            category="help",
            citizen=citizen,
            content="路灯不亮",
        )
        lead = Assignment.objects.create(
            ticket=ticket, unit=unit, role="lead", dispatched_at=now - timedelta(days=3)
        )
        Deadline.objects.create(
            ticket=ticket,
            assignment=lead,
            kind="sign_for",
            start_at=now - timedelta(days=3),
            due_at=now - timedelta(days=1),
            warn_at=now - timedelta(days=2),
            unit="working_days",
        )


def pause() -> None:
    print("batch", flush=True)  # inside the batch's transaction: the parent may kill us now
    time.sleep(0.4)


def report() -> None:
    per_deadline = (
        TicketEvent.objects.filter(action="ticket.deadline.overdue")
        .values("payload__deadline")
        .annotate(n=Count("id"))
    )
    print(
        json.dumps(
            {
                "deadlines": Deadline.objects.count(),
                "breached": Deadline.objects.filter(breached_at__isnull=False).count(),
                "events": TicketEvent.objects.filter(action="ticket.deadline.overdue").count(),
                "max_events_per_deadline": max((row["n"] for row in per_deadline), default=0),
                # notifications only: the outbox subscribers' rows (stats.rollup) are not counted
                "outbox": OutboxMessage.objects.filter(topic="ticket.deadline.overdue")
                .exclude(adapter="event")
                .count(),
            }
        )
    )


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "setup":
        setup(int(sys.argv[2]))
    elif command == "sweep-slow":
        deadlines_sweep(batch=5, between_batches=pause)
    elif command == "sweep":
        deadlines_sweep(batch=5)
    elif command == "report":
        report()
