"""``hotline restore DIR``: bring a backup back onto an empty installation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.core.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore the backup in DIR (written by `hotline backup`) onto this installation, which "
        "must be empty unless --force is given. Stop the web server and the worker first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path)
        parser.add_argument(
            "--force", action="store_true", help="replace the data this installation holds"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = backup_restore(options["directory"], force=options["force"])
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"restored {result.database_format} ({result.rows} rows) and {result.files} files; "
            "run `hotline audit verify` to check the audit log"
        )
        if result.key_left_to_operator is not None:
            source = options["directory"] / "secret_key"
            self.stderr.write(
                f"The backup's secret key differs from {result.key_left_to_operator}, which "
                f"this user may not write. As root, copy it before starting the services: "
                f"install -o root -g hotline -m 640 {source} {result.key_left_to_operator}"
            )
