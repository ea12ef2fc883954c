from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from hotline.accounts.roles import permissions_for


def hotline(request: HttpRequest) -> dict[str, Any]:
    """Values every page needs: the active policy profile, the user's roles and permissions."""
    user: Any = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"HOTLINE_PROFILE": settings.HOTLINE_PROFILE, "user_roles": [], "user_perms": []}
    perms = permissions_for(user.roles)
    if user.is_superuser:
        from hotline.accounts.roles import PERMISSIONS

        perms = frozenset().union(*PERMISSIONS.values())
    return {
        "HOTLINE_PROFILE": settings.HOTLINE_PROFILE,
        "user_roles": user.role_codes(),
        "user_perms": perms,
    }
