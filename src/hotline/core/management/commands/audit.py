"""``hotline audit verify``: check the audit log's hash chain."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.core.audit import audit_chain_verify


class Command(BaseCommand):
    help = "Audit log tools. `verify`: report the first entry that does not fit the hash chain."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args: Any, **options: Any) -> None:
        report = audit_chain_verify()
        if report.first_break is not None:
            brk = report.first_break
            raise CommandError(
                f"audit log tampered: entry #{brk.entry_id} does not fit: {brk.reason} "
                f"({report.checked} entries before it are intact)",
                returncode=1,
            )
        self.stdout.write(f"audit log intact: {report.checked} entries")
