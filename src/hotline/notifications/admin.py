from django.contrib import admin

from hotline.notifications.models import DeliveryAttempt, OutboxMessage


class DeliveryAttemptInline(admin.TabularInline[DeliveryAttempt, OutboxMessage]):
    model = DeliveryAttempt
    extra = 0
    readonly_fields = ("at", "ok", "error")
    can_delete = False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin[OutboxMessage]):
    list_display = ("id", "created_at", "adapter", "topic", "title", "attempts", "delivered_at")
    list_filter = ("adapter", "topic")
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]
    inlines = [DeliveryAttemptInline]

    def has_add_permission(self, request: object) -> bool:
        return False
