from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from hotline.core.admin_mixins import RolePermissionAdmin
from hotline.policy.models import CalendarOverride, PublishedYear
from hotline.policy.services import calendar_announce


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(RolePermissionAdmin, admin.ModelAdmin[CalendarOverride]):
    """Overrides by hand; each change is announced (``policy.signals.calendar_changed``)."""

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
        dates = [obj.date]
        if change and "date" in form.changed_data and form.initial.get("date"):
            dates.append(form.initial["date"])
        calendar_announce(dates=dates, source_document=obj.source_document, actor=request.user)

    def delete_model(self, request: HttpRequest, obj: CalendarOverride) -> None:
        super().delete_model(request, obj)
        calendar_announce(dates=[obj.date], actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CalendarOverride]) -> None:
        dates = list(queryset.values_list("date", flat=True))
        super().delete_queryset(request, queryset)
        calendar_announce(dates=dates, actor=request.user)


@admin.register(PublishedYear)
class PublishedYearAdmin(RolePermissionAdmin, admin.ModelAdmin[PublishedYear]):
    """A year marked complete ends its provisional fallback: announced like an override."""

    manage_permission = "policy.manage"
    list_display = ["year", "source_document", "created_at"]

    def save_model(self, request: HttpRequest, obj: PublishedYear, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        calendar_announce(dates=[], source_document=obj.source_document, actor=request.user)

    def delete_model(self, request: HttpRequest, obj: PublishedYear) -> None:
        super().delete_model(request, obj)
        calendar_announce(dates=[], actor=request.user)
