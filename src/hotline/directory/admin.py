from django.contrib import admin

from hotline.core.admin_mixins import RolePermissionAdmin
from hotline.directory.models import Area, Liaison, ResponsibilityItem, Unit


class LiaisonInline(RolePermissionAdmin, admin.TabularInline[Liaison, Unit]):
    model = Liaison
    extra = 1


class ResponsibilityInline(RolePermissionAdmin, admin.StackedInline[ResponsibilityItem, Unit]):
    model = ResponsibilityItem
    extra = 0
    filter_horizontal = ["areas"]


@admin.register(Unit)
class UnitAdmin(RolePermissionAdmin, admin.ModelAdmin[Unit]):
    list_display = ["code", "name", "kind", "parent", "joined", "active"]
    list_filter = ["kind", "joined", "active"]
    search_fields = ["code", "name", "short_name"]
    autocomplete_fields = ["parent", "area"]
    inlines = [LiaisonInline, ResponsibilityInline]


@admin.register(Area)
class AreaAdmin(RolePermissionAdmin, admin.ModelAdmin[Area]):
    list_display = ["code", "name", "kind", "parent"]
    list_filter = ["kind"]
    search_fields = ["code", "name", "search_text"]
    autocomplete_fields = ["parent"]


@admin.register(ResponsibilityItem)
class ResponsibilityItemAdmin(RolePermissionAdmin, admin.ModelAdmin[ResponsibilityItem]):
    list_display = ["unit", "matter", "active"]
    list_filter = ["active", "unit__kind"]
    search_fields = ["matter", "unit__name"]
    autocomplete_fields = ["unit"]
    filter_horizontal = ["areas"]
