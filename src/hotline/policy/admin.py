from django.contrib import admin

from hotline.core.admin_mixins import RolePermissionAdmin
from hotline.policy.models import CalendarOverride, PublishedYear


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(RolePermissionAdmin, admin.ModelAdmin[CalendarOverride]):
    manage_permission = "policy.manage"
    list_display = ["date", "is_working_day", "note", "source_document", "created_by"]
    list_filter = ["is_working_day"]
    date_hierarchy = "date"
    search_fields = ["note", "source_document"]
    readonly_fields = ["created_by", "updated_at"]

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        from django.utils import timezone

        obj.created_by = request.user
        obj.updated_at = timezone.now()
        super().save_model(request, obj, form, change)


@admin.register(PublishedYear)
class PublishedYearAdmin(RolePermissionAdmin, admin.ModelAdmin[PublishedYear]):
    manage_permission = "policy.manage"
    list_display = ["year", "source_document", "created_at"]
