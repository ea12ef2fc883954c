"""``hotline calendar-import FILE``: load a year's arrangement or local days (CSV or TOML)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.core.errors import InvalidInput
from hotline.policy.services import calendar_import, overrides_parse


class Command(BaseCommand):
    help = (
        "Import calendar overrides from CSV (date,kind,note) or TOML ([[day]] date/kind/note). "
        "kind: work or rest. With --published-year, the file is that year's full arrangement."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--document", default="", help="The source document (e.g. 国办发明电…)")
        parser.add_argument(
            "--published-year",
            type=int,
            default=None,
            help="Mark this year's arrangement complete (its other days follow Mon–Fri).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            content = path.read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}") from None
        try:
            rows = overrides_parse(content, filename=path.name)
            counts = calendar_import(
                rows=rows,
                source_document=options["document"] or path.name,
                published_year=options["published_year"],
            )
        except InvalidInput as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(
            f"{len(rows)} days imported ({counts['created']} new, {counts['updated']} updated); "
            f"{counts.get('deadlines_moved', 0)} provisional deadlines recomputed and moved."
        )
