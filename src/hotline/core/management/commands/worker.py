"""``hotline worker``: the background worker (Huey consumer: tasks and periodic jobs)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Run the background worker: queued tasks and the periodic schedule (heartbeat, …)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--workers", type=int, default=None, help="Worker threads (HOTLINE_WORKER_THREADS)."
        )
        parser.add_argument(
            "--no-periodic",
            action="store_true",
            help="Do not run the periodic schedule (for extra workers beside a main one).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        consumer: Any = settings.HUEY.get("consumer", {})
        workers = options["workers"] or consumer.get("workers", 2)
        backend = "Redis" if settings.REDIS_URL else "SQLite"
        self.stdout.write(f"hotline worker: {workers} threads, queue on {backend}")
        call_command(
            "run_huey",
            workers=workers,
            worker_type="thread",
            periodic=not options["no_periodic"],
        )
