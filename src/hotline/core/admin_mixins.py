"""Django admin permissions from our roles instead of Django's per-model permission table."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


class RolePermissionAdmin:
    """Grant the admin's view/add/change/delete to users whose roles give ``manage_permission``.

    ``read_only`` admins (the audit log) only ever allow viewing.
    """

    manage_permission: str = "directory.manage"
    read_only: bool = False

    def _allowed(self, request: HttpRequest) -> bool:
        user: Any = request.user
        return bool(user.is_active and user.is_authenticated and user.can(self.manage_permission))

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return not self.read_only and self._allowed(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not self.read_only and self._allowed(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not self.read_only and self._allowed(request)
