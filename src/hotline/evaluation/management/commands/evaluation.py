"""``hotline evaluation score|check|load|remind``: the scoring standard from the console.

``score FILE.json`` reads findings ``{"standard", "scores", "deductions"}`` and prints the
breakdown ``{"total", "first_level", "second_level", "deducted"}``; a score above an
indicator's points (or any other bad finding) exits with code 2 and names the indicator.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.core.errors import DomainError
from hotline.evaluation.standard import (
    StandardError,
    findings_parse,
    score_breakdown,
    standard_load_text,
)

#: The exit code of a refused findings file or standard.
REFUSED = 2


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"cannot read {path}: {exc}", returncode=REFUSED) from None


class Command(BaseCommand):
    help = "Score findings against an evaluation standard, check or load a standard."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        score = sub.add_parser("score", help="Print the breakdown of a findings JSON file.")
        score.add_argument("file")
        check = sub.add_parser("check", help="Validate a standard YAML file.")
        check.add_argument("file")
        load = sub.add_parser("load", help="Validate and store a later year's standard.")
        load.add_argument("file")
        sub.add_parser("remind", help="Send today's rectification reminders.")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "score":
            self._score(options["file"])
        elif action == "check":
            try:
                std = standard_load_text(_read(options["file"]), name=options["file"])
            except StandardError as exc:
                raise CommandError(str(exc), returncode=REFUSED) from None
            self.stdout.write(
                f"{std.id}: {len(std.indicators)} first-level, {len(std.second_level())} "
                f"second-level indicators, {std.total_points:g} points"
            )
        elif action == "load":
            from hotline.evaluation.services import standard_load

            try:
                row = standard_load(actor=None, text=_read(options["file"]), name=options["file"])
            except DomainError as exc:
                raise CommandError(exc.message, returncode=REFUSED) from None
            self.stdout.write(f"Loaded {row.code} ({row.year}).")
        else:
            from hotline.evaluation.services import rectification_remind

            self.stdout.write(f"reminders sent {rectification_remind()}")

    def _score(self, path: str) -> None:
        from hotline.evaluation.services import standard_get

        try:
            data = json.loads(_read(path))
        except json.JSONDecodeError as exc:
            raise CommandError(f"{path} is not valid JSON: {exc}", returncode=REFUSED) from None
        try:
            standard, scores, kinds = findings_parse(data, standard_get)
            breakdown = score_breakdown(standard, scores, kinds)
        except StandardError as exc:
            raise CommandError(str(exc), returncode=REFUSED) from None
        self.stdout.write(json.dumps(breakdown.as_json(), ensure_ascii=False))
