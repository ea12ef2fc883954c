"""``hotline kb-import FILE --user NAME``: import a unit's articles (CSV, xlsx or JSON)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.accounts.models import User
from hotline.core.errors import DomainError
from hotline.knowledge.importfiles import rows_from_bytes
from hotline.knowledge.services import articles_import


class Command(BaseCommand):
    help = "Import knowledge-base articles (KB-6); idempotent by external_id."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--user", required=True, help="the importing user (kb.import)")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"no such user: {options['user']}")
        path: Path = options["file"]
        try:
            rows = rows_from_bytes(path.read_bytes(), path.name)
            result = articles_import(actor=user, rows=rows)
        except OSError as exc:
            raise CommandError(str(exc)) from None
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False))
