"""``hotline open311 key create NAME``: an API key for an Open311 client (printed once)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from hotline.channels.models import Open311Key
from hotline.channels.services import open311_key_create
from hotline.core.audit import audit_record
from hotline.core.errors import DomainError


class Command(BaseCommand):
    help = "Manage Open311 API keys: key create NAME | key list | key revoke PREFIX."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True)
        key = sub.add_parser("key", help="Open311 API keys.")
        actions = key.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="Create a key; the last line is the key.")
        create.add_argument("name")
        actions.add_parser("list", help="List keys (never the keys themselves).")
        revoke = actions.add_parser("revoke", help="Revoke a key by its prefix.")
        revoke.add_argument("prefix")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "create":
            try:
                with transaction.atomic():
                    row, key = open311_key_create(name=options["name"])
                    audit_record(actor=None, action="open311.key.create", obj=row, channel="cli")
            except DomainError as exc:
                raise CommandError(exc.message) from None
            self.stdout.write(f"Open311 api_key for {row.name} (prefix {row.prefix}), shown once:")
            self.stdout.write(key)
        elif action == "list":
            for row in Open311Key.objects.order_by("created_at"):
                state = "revoked" if row.revoked_at else "active"
                self.stdout.write(f"{row.prefix}  {row.name}  {state}")
        else:
            updated = Open311Key.objects.filter(
                prefix=options["prefix"], revoked_at__isnull=True
            ).update(revoked_at=timezone.now())
            if not updated:
                raise CommandError("No active key with that prefix.")
            audit_record(
                actor=None,
                action="open311.key.revoke",
                channel="cli",
                detail={"prefix": options["prefix"]},
            )
            self.stdout.write("Revoked.")
