"""``hotline backup DIR``: a consistent copy of everything the platform keeps."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.core.backup import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Write a backup (database, uploaded files, search index, secret key file, manifest) "
        "into DIR, which must not exist or be empty. Safe while the platform runs."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            manifest = backup_create(options["directory"])
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        rows = sum(manifest["rows"].values())
        self.stdout.write(
            f"backup written to {options['directory']}: {manifest['database']['format']} "
            f"({rows} rows), {len(manifest['files'])} files"
        )
