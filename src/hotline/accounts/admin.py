from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from hotline.accounts.models import ApiToken, User, UserRole
from hotline.core.admin_mixins import RolePermissionAdmin


class UserRoleInline(RolePermissionAdmin, admin.TabularInline[UserRole, User]):
    manage_permission = "accounts.manage"
    model = UserRole
    extra = 1


@admin.register(User)
class UserAdmin(RolePermissionAdmin, DjangoUserAdmin[User]):
    manage_permission = "accounts.manage"
    list_display = ["username", "full_name", "unit", "is_active", "last_login"]
    list_filter = ["is_active", "unit__kind", "role_rows__role"]
    search_fields = ["username", "full_name", "unit__name"]
    autocomplete_fields = ["unit"]
    inlines = [UserRoleInline]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Person"), {"fields": ("full_name", "phone", "email", "unit")}),
        (_("Access"), {"fields": ("is_active", "is_staff")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"fields": ("username", "full_name", "unit", "password1", "password2")}),
    )


@admin.register(ApiToken)
class ApiTokenAdmin(RolePermissionAdmin, admin.ModelAdmin[ApiToken]):
    manage_permission = "accounts.manage"
    list_display = ["key", "user", "name", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["key", "digest", "created_at", "last_used_at"]
    list_filter = ["revoked_at"]

    def has_add_permission(self, request, *args):  # type: ignore[no-untyped-def]
        # Tokens are issued with `hotline token create`, which shows the secret once.
        return False
