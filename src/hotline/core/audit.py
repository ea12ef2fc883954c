"""Writing the audit log: one function, called by services, views and API endpoints alike."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.db.models import F
from django.http import HttpRequest

from hotline.core.auditchain import GENESIS, entry_digest
from hotline.core.models import AuditChainHead, AuditEntry
from hotline.core.throttle import client_address


def _client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return client_address(request)


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
    with transaction.atomic():
        head = _chain_head()
        entry.prev_hash = head.last_hash
        entry.entry_hash = entry_digest(head.last_hash, entry)
        entry.save()
        AuditChainHead.objects.filter(pk=head.pk).update(
            last_entry_id=entry.pk, last_hash=entry.entry_hash, entries=F("entries") + 1
        )
    return entry


def audit_record_many(
    *,
    actor: Any,
    action: str,
    objs: list[models.Model],
    details: list[dict[str, Any]] | None = None,
    channel: str = "",
) -> None:
    """Append one entry per object of ``objs`` (saved) in one insert, chained in that order:
    the same entries as ``audit_record`` called for each, for bulk actions (an import)."""
    if not objs:
        return
    user = actor if getattr(actor, "is_authenticated", False) else None
    entries = []
    for n, obj in enumerate(objs):
        entries.append(
            AuditEntry(
                actor=user,
                actor_username=getattr(user, "username", "") if user else "",
                action=action,
                channel=channel,
                detail=(details[n] if details else None) or {},
                object_type=obj._meta.label_lower,
                object_id=str(obj.pk),
                object_repr=str(obj)[:200],
            )
        )
    with transaction.atomic():
        head = _chain_head()
        last = head.last_hash
        for entry in entries:
            entry.prev_hash = last
            entry.entry_hash = last = entry_digest(last, entry)
        AuditEntry.objects.bulk_create(entries, batch_size=1000)  # ids come back (PG, SQLite)
        AuditChainHead.objects.filter(pk=head.pk).update(
            last_entry_id=entries[-1].pk, last_hash=last, entries=F("entries") + len(entries)
        )


def _chain_head() -> AuditChainHead:
    """Return the chain head, locked (created by a migration; again after a database flush)."""
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        AuditChainHead.objects.get_or_create(pk=1, defaults={"last_hash": GENESIS})
        head = AuditChainHead.objects.select_for_update().get(pk=1)
    return head


@dataclass(frozen=True)
class ChainBreak:
    """The first audit entry that does not fit the chain, and why."""

    entry_id: int | None
    reason: str


@dataclass(frozen=True)
class ChainReport:
    """The result of walking the audit chain: entries checked and the first break, if any."""

    checked: int
    first_break: ChainBreak | None

    @property
    def intact(self) -> bool:
        return self.first_break is None


def audit_chain_verify() -> ChainReport:
    """Walk the audit log oldest first and return the first entry that does not fit.

    An entry fits when its ``prev_hash`` is the hash of the entry before it and its
    ``entry_hash`` is the hash of its own content chained to that; at the end, the chain head
    must name the last entry and its hash (else entries were cut off the end).
    """
    prev, last_id, checked = GENESIS, None, 0
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
        if entry.prev_hash != prev:
            return ChainReport(
                checked, ChainBreak(entry.pk, "previous hash does not match the entry before")
            )
        if entry.entry_hash != entry_digest(prev, entry):
            return ChainReport(
                checked, ChainBreak(entry.pk, "content does not match its hash (changed)")
            )
        prev, last_id, checked = entry.entry_hash, entry.pk, checked + 1
    head = AuditChainHead.objects.filter(pk=1).first()
    head_hash = head.last_hash if head else GENESIS
    head_id = head.last_entry_id if head else None
    if head_hash != prev or head_id != last_id:
        return ChainReport(
            checked,
            ChainBreak(
                head_id, f"the chain head names entry #{head_id}, the log ends at #{last_id}"
            ),
        )
    return ChainReport(checked, None)
