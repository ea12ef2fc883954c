"""``hotline stats rebuild --from D --to D``: recompute the facts and daily rollups.

``hotline stats catch-up`` refreshes the tickets of new supervision orders and reminders.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"not a date (YYYY-MM-DD): {text}") from None


class Command(BaseCommand):
    help = "Statistics: rebuild the daily rollups of a range of registration days."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        rebuild = sub.add_parser("rebuild", help="recompute the rollups of --from … --to")
        rebuild.add_argument("--from", dest="start", required=True)
        rebuild.add_argument("--to", dest="end", required=True)
        sub.add_parser("catch-up", help="refresh tickets with new supervision rows")

    def handle(self, *args: Any, **options: Any) -> None:
        from hotline.stats.rollup import rollup_rebuild, stats_catch_up

        if options["action"] == "catch-up":
            self.stdout.write(f"tickets refreshed {stats_catch_up()}")
            return
        start, end = _date(options["start"]), _date(options["end"])
        if end < start:
            raise CommandError("--to is before --from")
        done = rollup_rebuild(start, end)
        self.stdout.write(f"tickets {done['tickets']}, rollup rows {done['rollups']}")
