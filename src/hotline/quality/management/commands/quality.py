"""``hotline quality sample --month 2026-10 [--per-agent N] [--seed N]``: draw the month's
agent-quality sample (STATS-5); the worker draws last month's on the 1st."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.core.errors import DomainError
from hotline.quality.services import PER_AGENT_DEFAULT, month_parse, sample_draw


class Command(BaseCommand):
    help = "Agent quality (STATS-5): draw a month's reproducible sample of each agent's tickets."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sample = sub.add_parser(
            "sample", help="Draw the month's sample; prints `agent sampled registered` lines."
        )
        sample.add_argument("--month", required=True, help="YYYY-MM, e.g. 2026-10")
        sample.add_argument("--per-agent", type=int, default=PER_AGENT_DEFAULT)
        sample.add_argument("--seed", type=int, default=None, help="default: YYYYMM")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = sample_draw(
                month=month_parse(options["month"]),
                per_agent=options["per_agent"],
                seed=options["seed"],
            )
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"month {result.month:%Y-%m} seed {result.seed}")
        for row in result.agents:
            self.stdout.write(f"{row.agent} {row.sampled} {row.registered}")
