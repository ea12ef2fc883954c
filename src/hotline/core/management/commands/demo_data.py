"""``hotline demo-data``: run every app's demo loader (see hotline.core.demo)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from hotline.core.demo import demo_data_load, demo_notices_text


class Command(BaseCommand):
    help = "Load the demo data (idempotent: running it again changes nothing new)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--tickets", type=int, default=300, help="demo tickets to create (when none exist)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        summary = demo_data_load(tickets=options["tickets"])
        for line in summary:
            self.stdout.write(line)
        self.stdout.write(demo_notices_text())
