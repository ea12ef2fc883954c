"""Staff users, their roles and their API tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from hotline.accounts.roles import (
    CENTRE_ROLES,
    HOME_PRIORITY,
    ROLE_LABELS,
    UNIT_ROLES,
    Role,
    permissions_for,
)


class User(AbstractUser):
    """A staff member of the centre or of a handling unit.

    Each user belongs to exactly one unit (the centre counts as a unit) and holds roles
    (``UserRole``). Superusers exist for maintenance only and hold every permission.
    """

    full_name = models.CharField(_("full name"), max_length=64, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    unit = models.ForeignKey(
        "directory.Unit",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )

    objects: ClassVar[UserManager[User]] = UserManager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("staff user")
        verbose_name_plural = _("staff users")

    def __str__(self) -> str:
        return f"{self.full_name or self.username} ({self.username})"

    @cached_property
    def roles(self) -> frozenset[Role]:
        """Return the user's roles (cached for the request)."""
        return frozenset(Role(code) for code in self.role_rows.values_list("role", flat=True))

    def role_codes(self) -> list[str]:
        return [role.value for role in HOME_PRIORITY if role in self.roles]

    def role_labels(self) -> list[str]:
        return [str(ROLE_LABELS[role]) for role in HOME_PRIORITY if role in self.roles]

    def has_role(self, role: Role) -> bool:
        return role in self.roles

    def can(self, permission: str) -> bool:
        """Return True when one of the user's roles grants ``permission``."""
        if not self.is_active:
            return False
        if self.is_superuser:
            return True
        return permission in permissions_for(self.roles)

    @property
    def is_centre_staff(self) -> bool:
        """Return True for users of the centre holding a centre role (or superusers)."""
        if self.is_superuser:
            return True
        return bool(self.roles & CENTRE_ROLES) and self.unit is not None and self.unit.is_centre

    @property
    def home_role(self) -> Role | None:
        """Return the role whose home page the user lands on."""
        for role in HOME_PRIORITY:
            if role in self.roles:
                return role
        return None


class UserRole(models.Model):
    """One role held by one user. Centre roles need a centre user, unit roles a unit user."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_rows")
    role = models.CharField(
        _("role"), max_length=32, choices=[(r.value, label) for r, label in ROLE_LABELS.items()]
    )

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="uniq_user_role")]

    def __str__(self) -> str:
        return f"{self.user.username}: {self.get_role_display()}"

    def clean(self) -> None:
        unit = self.user.unit
        role = Role(self.role)
        if unit is None:
            raise ValidationError(_("Assign the user to a unit before giving them a role."))
        if role in CENTRE_ROLES and not unit.is_centre:
            raise ValidationError(_("This role is only for staff of the hotline centre."))
        if role in UNIT_ROLES and unit.is_centre:
            raise ValidationError(_("This role is only for staff of a handling unit."))


TOKEN_PREFIX = "hl"  # noqa: S105  (a visible marker, not a secret)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def active(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True, user__is_active=True)


class ApiToken(models.Model):
    """A bearer token for the API. Only its SHA-256 digest is stored; the token is shown once.

    The token reads ``hl_<key>_<secret>``: ``key`` finds the row, ``secret`` is compared in
    constant time against the stored digest.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=64, blank=True)
    key = models.CharField(_("key"), max_length=16, unique=True)
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{TOKEN_PREFIX}_{self.key}… ({self.user.username})"

    @classmethod
    def issue(cls, *, user: User, name: str = "") -> tuple[ApiToken, str]:
        """Create a token for ``user``; return the row and the plain token (shown once)."""
        key = secrets.token_hex(6)
        secret = secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, key=key, digest=_digest(secret))
        return token, f"{TOKEN_PREFIX}_{key}_{secret}"

    @classmethod
    def authenticate(cls, raw: str) -> ApiToken | None:
        """Return the active token matching ``raw``, or None."""
        parts = raw.strip().split("_", 2)
        if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
            return None
        _prefix, key, secret = parts
        token = cls.objects.active().select_related("user", "user__unit").filter(key=key).first()
        if token is None or not hmac.compare_digest(token.digest, _digest(secret)):
            return None
        return token

    def revoke(self, *, now: Any = None) -> None:
        self.revoked_at = now or timezone.now()
        self.save(update_fields=["revoked_at"])
