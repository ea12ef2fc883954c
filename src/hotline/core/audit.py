"""Writing the audit log: one function, called by services, views and API endpoints alike."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.http import HttpRequest

from hotline.core.models import AuditEntry


def _client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    request: HttpRequest | None = None,
    channel: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry to the audit log and return it.

    ``action`` is a dotted code such as ``citizen.view`` or ``token.create``. The actor may be
    anonymous (``None``) for system actions. Called inside the caller's transaction, so the
    entry exists exactly when the action it records does.
    """
    user = actor if getattr(actor, "is_authenticated", False) else None
    if not channel and request is not None:
        channel = "api" if request.path.startswith("/api/") else "web"
    entry = AuditEntry(
        actor=user,
        actor_username=getattr(user, "username", "") if user else "",
        action=action,
        ip_address=_client_ip(request),
        channel=channel,
        detail=detail or {},
    )
    if obj is not None:
        entry.object_type = obj._meta.label_lower
        entry.object_id = str(obj.pk)
        entry.object_repr = str(obj)[:200]
    entry.save()
    return entry
