"""``hotline sweep``: run the deadline sweep and deliver the outbox once, now."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from hotline.core.uploads import upload_temp_sweep
from hotline.notifications.services import outbox_deliver
from hotline.tickets.sweep import deadlines_sweep


class Command(BaseCommand):
    help = (
        "Sweep the deadlines (warning, overdue), deliver pending notifications and remove "
        "stale temporary upload files, once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=1000, help="deadlines per transaction")
        parser.add_argument("--no-deliver", action="store_true", help="leave the outbox alone")

    def handle(self, *args: Any, **options: Any) -> None:
        result = deadlines_sweep(batch=options["batch"])
        self.stdout.write(f"warned {result.warned}, overdue {result.overdue}")
        if not options["no_deliver"]:
            delivered, failed = outbox_deliver()
            self.stdout.write(f"delivered {delivered}, failed {failed}")
        self.stdout.write(f"stale upload files removed {upload_temp_sweep()}")
