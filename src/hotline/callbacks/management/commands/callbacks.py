"""``hotline callbacks sample --month 2026-10 [--seed N]``: draw a month's callback sample."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.callbacks.services import month_parse, sample_draw
from hotline.core.errors import DomainError


class Command(BaseCommand):
    help = "Callbacks (CALLBACK-1, A14): `sample` draws a month's sample under the active profile."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sample = sub.add_parser(
            "sample",
            help="Draw the month's sample (reproducible with --seed); print "
            "`unit sampled completed` per unit.",
        )
        sample.add_argument("--month", required=True, help="YYYY-MM")
        sample.add_argument("--seed", type=int, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            lines = sample_draw(month=month_parse(options["month"]), seed=options["seed"])
        except DomainError as exc:
            raise CommandError(exc.message) from None
        for line in lines:
            self.stdout.write(f"{line.unit} {line.sampled} {line.completed}")
