"""``hotline deadline``: the time-limit calculator (a contract: tests and outside systems use it).

Prints the due instant in ISO 8601 with its offset, or ``none`` when the profile sets no
limit; ``--json`` prints ``{"due_at", "provisional", "basis", "unit", "length"}``. Bad input
exits with status 2 and one line on stderr.
"""

from __future__ import annotations

import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import DatabaseError

from hotline.policy.deadline import PolicyInputError, deadline_answer
from hotline.policy.services import calendar_current


class Command(BaseCommand):
    help = "Compute a deadline: hotline deadline --clock reply --category help --start ISO"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--profile", default=None, help="Policy profile (HOTLINE_PROFILE).")
        parser.add_argument("--clock", required=True, help="dispatch, first_contact, reply, …")
        parser.add_argument("--category", default=None, help="consultation, help, complaint, …")
        parser.add_argument("--complex", action="store_true", help="A complex matter.")
        parser.add_argument("--urgent", action="store_true", help="An urgent matter.")
        parser.add_argument(
            "--start", required=True, help="The starting event, e.g. 2026-09-30T15:00:00+08:00"
        )
        parser.add_argument("--json", action="store_true", help="Print a JSON object.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            calendar = calendar_current()
        except DatabaseError as exc:
            sys.stderr.write(f"error: 无法读取日历调整，请先运行 hotline migrate ({exc})\n")
            raise SystemExit(1) from None
        try:
            answer = deadline_answer(
                profile=options["profile"] or settings.HOTLINE_PROFILE,
                clock=options["clock"],
                category=options["category"],
                complex=options["complex"],
                urgent=options["urgent"],
                start=options["start"],
                calendar=calendar,
            )
        except PolicyInputError as exc:
            sys.stderr.write(f"error: {exc.message}\n")
            raise SystemExit(2) from None
        self.stdout.write(answer.to_json() if options["json"] else answer.to_text())
