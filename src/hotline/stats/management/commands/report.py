"""``hotline report --kind K --period P [--unit CODE] --format xlsx|pdf --out FILE`` (STATS-2)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.stats.reports import KINDS


class Command(BaseCommand):
    help = "Write a periodic statistics report (weekly … annual) as xlsx or PDF."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--kind", required=True, choices=KINDS)
        parser.add_argument("--period", required=True, help="2026-10, 2026-W41, 2026-Q4, 2026")
        parser.add_argument("--unit", default=None, help="a unit's code (its sub-units included)")
        parser.add_argument("--format", required=True, choices=("xlsx", "pdf"))
        parser.add_argument("--out", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        from django.utils import translation

        from hotline.directory.models import Unit
        from hotline.stats.reports import (
            PeriodError,
            period_of,
            report_build,
            report_pdf,
            report_xlsx,
        )

        try:
            period = period_of(options["kind"], options["period"])
        except (PeriodError, ValueError):
            raise CommandError(f"not a {options['kind']} period: {options['period']}") from None
        unit = None
        if options["unit"]:
            unit = Unit.objects.filter(code=options["unit"]).first()
            if unit is None:
                raise CommandError(f"no unit {options['unit']}")
        translation.activate("zh-hans")
        report = report_build(options["kind"], period, unit)
        data = report_xlsx(report) if options["format"] == "xlsx" else report_pdf(report)
        Path(options["out"]).write_bytes(data)
        self.stdout.write(f"{options['out']}: {report.title}, {len(data)} bytes")
