"""``hotline token create|list|revoke``: API tokens for scripts and outside systems."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from hotline.accounts.models import ApiToken, User
from hotline.core.audit import audit_record


class Command(BaseCommand):
    help = "Create, list or revoke API tokens."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a token; it is printed once.")
        create.add_argument("username")
        create.add_argument("--name", default="", help="What the token is for.")
        listing = sub.add_parser("list", help="List tokens (never their secrets).")
        listing.add_argument("username", nargs="?")
        revoke = sub.add_parser("revoke", help="Revoke a token by its key.")
        revoke.add_argument("key", help="The key: the part after 'hl_' in the token.")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "create":
            self._create(options["username"], options["name"])
        elif action == "list":
            self._list(options.get("username"))
        else:
            self._revoke(options["key"])

    def _create(self, username: str, name: str) -> None:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user named {username!r}.")
        with transaction.atomic():
            token, plain = ApiToken.issue(user=user, name=name)
            audit_record(
                actor=None,
                action="token.create",
                obj=token,
                channel="cli",
                detail={"user": username},
            )
        self.stdout.write(f"API token for {username} (key {token.key}). Shown only once; keep it:")
        self.stdout.write(plain)

    def _list(self, username: str | None) -> None:
        tokens = ApiToken.objects.select_related("user").order_by("created_at")
        if username:
            tokens = tokens.filter(user__username=username)
        for t in tokens:
            state = f"revoked {t.revoked_at:%Y-%m-%d %H:%M}" if t.revoked_at else "active"
            used = f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "never"
            self.stdout.write(
                f"{t.key}  {t.user.username:<16} {state:<24} last used {used}  {t.name}"
            )

    def _revoke(self, key: str) -> None:
        key = key.removeprefix("hl_").split("_", 1)[0]
        token = ApiToken.objects.filter(key=key, revoked_at__isnull=True).first()
        if token is None:
            raise CommandError(f"No active token with key {key!r}.")
        with transaction.atomic():
            token.revoke(now=timezone.now())
            audit_record(actor=None, action="token.revoke", obj=token, channel="cli")
        self.stdout.write(f"Token {key} revoked.")
