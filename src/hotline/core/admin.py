from django.contrib import admin

from hotline.core.admin_mixins import RolePermissionAdmin
from hotline.core.models import AuditEntry, WorkerHeartbeat


@admin.register(AuditEntry)
class AuditEntryAdmin(RolePermissionAdmin, admin.ModelAdmin[AuditEntry]):
    manage_permission = "audit.view"
    read_only = True
    list_display = ["at", "actor_username", "action", "object_type", "object_id", "channel"]
    list_filter = ["action", "object_type", "channel"]
    search_fields = ["actor_username", "object_id", "object_repr"]
    date_hierarchy = "at"


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(RolePermissionAdmin, admin.ModelAdmin[WorkerHeartbeat]):
    manage_permission = "status.view"
    read_only = True
    list_display = ["worker", "beat_at", "started_at", "beats"]
