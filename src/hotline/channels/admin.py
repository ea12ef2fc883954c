from django.contrib import admin

from .models import Bulletin, Open311Key, Peer


@admin.register(Peer)
class PeerAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "url", "active")


@admin.register(Bulletin)
class BulletinAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("title", "kind", "area", "unit", "valid_from", "valid_until", "public")
    list_filter = ("kind", "public")


@admin.register(Open311Key)
class Open311KeyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "prefix", "created_at", "revoked_at")
    readonly_fields = ("prefix", "key_digest", "created_at")
