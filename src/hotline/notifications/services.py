"""Write notifications to the outbox, and deliver them (the worker's job).

``outbox_put`` is called inside the transaction of the change that causes the notification, so
a rolled-back change notifies nobody and a committed one cannot lose its notification.
``outbox_deliver`` delivers due messages at least once: each message is claimed and marked in
one transaction (``SKIP LOCKED`` on PostgreSQL, so several workers share the work); a failure
is recorded and retried with exponential backoff.

The same outbox carries the events owed to outbox subscribers (``hotline.core.events``):
``events_enqueue`` writes them (adapter ``event``), ``_deliver_event`` calls the subscriber and
records an ``EventReceipt``, so that each subscriber handles each event once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from hotline.accounts.models import User
from hotline.core.events import BATCH, Delivery, channel_get, channels
from hotline.notifications.models import DeliveryAttempt, EventReceipt, InboxItem, OutboxMessage

logger = logging.getLogger("hotline.notifications")

#: The adapters a notification goes to unless the caller names others.
DEFAULT_ADAPTERS = ("inbox", "log")
#: The longest wait between two tries of a failing delivery.
MAX_BACKOFF = timedelta(hours=1)


def outbox_put(
    *,
    topic: str,
    title: str,
    body: str = "",
    unit: Any = None,
    ticket: Any = None,
    payload: dict[str, Any] | None = None,
    at: datetime | None = None,
    adapters: tuple[str, ...] | None = None,
) -> list[OutboxMessage]:
    """Queue a notification for ``unit``'s users (the centre's supervisors when None, or the
    centre's users holding ``payload["roles"]``)."""
    at = at or timezone.now()
    names = adapters or tuple(getattr(settings, "HOTLINE_NOTIFY_ADAPTERS", DEFAULT_ADAPTERS))
    return OutboxMessage.objects.bulk_create(
        [
            OutboxMessage(
                created_at=at,
                next_attempt_at=at,
                adapter=name,
                topic=topic,
                title=title[:200],
                body=body,
                unit=unit,
                ticket=ticket,
                payload=payload or {},
            )
            for name in names
        ]
    )


def _recipients(message: OutboxMessage) -> list[User]:
    users = User.objects.filter(is_active=True)
    if message.unit_id is not None:
        return list(users.filter(unit_id=message.unit_id))
    # A message for the centre's management names its roles (DISPATCH-3); else supervisors.
    roles = (message.payload or {}).get("roles") or ["supervisor"]
    return list(users.filter(unit__kind="centre", role_rows__role__in=roles).distinct())


def _deliver_inbox(message: OutboxMessage) -> None:
    InboxItem.objects.bulk_create(
        [
            InboxItem(
                user=user,
                message=message,
                created_at=message.created_at,
                topic=message.topic,
                title=message.title,
                body=message.body,
                ticket_id=message.ticket_id,
            )
            for user in _recipients(message)
        ],
        ignore_conflicts=True,  # at least once, shown once: unique (message, user)
    )


def _deliver_log(message: OutboxMessage) -> None:
    logger.info(
        "notification %s %s unit=%s ticket=%s",
        message.topic,
        message.title,
        message.unit_id,
        message.ticket_id,
    )


#: The adapter of the event deliveries that ``events_enqueue`` writes.
EVENT_ADAPTER = "event"


def events_enqueue(deliveries: list[Delivery]) -> None:
    """Store events owed to outbox subscribers (``hotline.core.events``'s outbox backend)."""
    OutboxMessage.objects.bulk_create(
        [
            OutboxMessage(
                created_at=d.at,
                next_attempt_at=d.at,
                adapter=EVENT_ADAPTER,
                topic=d.code[:48],
                title=f"{d.code} #{d.event_id} → {d.subscriber}"[:200],
                payload={"channel": d.channel, "subscriber": d.subscriber, "event": d.event_id},
            )
            for d in deliveries
        ]
    )


def _deliver_event(message: OutboxMessage) -> None:
    """Call the outbox subscriber with its event, unless it already had that event."""
    channel = message.payload["channel"]
    subscriber = message.payload["subscriber"]
    event_id = int(message.payload["event"])
    done = EventReceipt.objects.filter(
        channel=channel, subscriber=subscriber, event_id=event_id
    ).exists()
    if done:
        return
    channel_get(channel).deliver(subscriber, event_id)
    # Unique: a concurrent delivery of a duplicate fails here, rolls the handler back and retries.
    EventReceipt.objects.create(channel=channel, subscriber=subscriber, event_id=event_id)


ADAPTERS: dict[str, Callable[[OutboxMessage], None]] = {
    "inbox": _deliver_inbox,
    "log": _deliver_log,
    EVENT_ADAPTER: _deliver_event,
}


def backoff(attempts: int) -> timedelta:
    """Return the wait before try ``attempts + 1``: 1, 2, 4 … minutes, at most an hour."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def _claim(now: datetime) -> OutboxMessage | None:
    pending = OutboxMessage.objects.filter(delivered_at__isnull=True, next_attempt_at__lte=now)
    if connection.features.has_select_for_update_skip_locked:
        pending = pending.select_for_update(skip_locked=True)
    return pending.order_by("next_attempt_at", "id").first()


def _deliver_one(message: OutboxMessage, now: datetime) -> bool:
    """Deliver ``message`` (claimed, in the caller's transaction); return whether it went."""
    adapter = ADAPTERS.get(message.adapter)
    try:
        if adapter is None:
            raise LookupError(f"unknown adapter {message.adapter!r}")
        with transaction.atomic():  # a failing adapter leaves none of its rows
            adapter(message)
    except Exception as exc:  # any adapter failure is recorded and retried
        message.attempts += 1
        message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        message.next_attempt_at = now + backoff(message.attempts)
        message.save(update_fields=["attempts", "last_error", "next_attempt_at"])
        DeliveryAttempt.objects.create(message=message, at=now, ok=False, error=message.last_error)
        return False
    message.attempts += 1
    message.delivered_at = now
    message.last_error = ""
    message.save(update_fields=["attempts", "delivered_at", "last_error"])
    DeliveryAttempt.objects.create(message=message, at=now, ok=True)
    return True


def _deliver_batch(channel: str, subscriber: str, now: datetime, size: int) -> tuple[int, int]:
    """Deliver up to ``size`` due events of batch subscriber ``subscriber`` in one transaction.

    The events its receipts do not list go to the handler in one call; their receipts, the
    messages' marks and attempts are written in bulk. If the handler fails, each message is
    delivered on its own instead (a failing one is retried with backoff, the others go).
    Return (delivered, failed); (0, 0) when none was due.
    """
    with transaction.atomic():
        pending = OutboxMessage.objects.filter(
            delivered_at__isnull=True,
            next_attempt_at__lte=now,
            adapter=EVENT_ADAPTER,
            payload__channel=channel,
            payload__subscriber=subscriber,
        )
        if connection.features.has_select_for_update_skip_locked:
            pending = pending.select_for_update(skip_locked=True)
        # Ids and event ids only: no model instances on the hot path.
        claimed = list(
            pending.order_by("next_attempt_at", "id").values_list("pk", "payload__event")[:size]
        )
        if not claimed:
            return 0, 0
        wanted = {int(event) for _pk, event in claimed}
        done = set(
            EventReceipt.objects.filter(
                channel=channel, subscriber=subscriber, event_id__in=wanted
            ).values_list("event_id", flat=True)
        )
        todo = sorted(wanted - done)
        try:
            with transaction.atomic():
                if todo:
                    channel_get(channel).deliver_many(subscriber, todo)
                    EventReceipt.objects.bulk_create(
                        [
                            EventReceipt(channel=channel, subscriber=subscriber, event_id=i)
                            for i in todo
                        ]
                    )
        except Exception:  # one bad event must not hold back the batch: one at a time
            logger.warning("batch delivery to %s failed; delivering one by one", subscriber)
            messages = OutboxMessage.objects.filter(pk__in=[pk for pk, _event in claimed])
            went = sum(_deliver_one(m, now) for m in messages.order_by("id"))
            return went, len(claimed) - went
        ids = [pk for pk, _event in claimed]
        OutboxMessage.objects.filter(pk__in=ids).update(
            attempts=F("attempts") + 1, delivered_at=now, last_error=""
        )
        DeliveryAttempt.objects.bulk_create(
            [DeliveryAttempt(message_id=pk, at=now, ok=True) for pk in ids]
        )
        return len(claimed), 0


def outbox_deliver(*, now: datetime | None = None, limit: int = 500) -> tuple[int, int]:
    """Deliver up to ``limit`` due messages; return (delivered, failed).

    The events of batch subscribers (``core.events``, ``batch=True``) go first, up to
    ``BATCH`` per transaction; then every other message, one per transaction.
    """
    now = now or timezone.now()
    delivered = failed = 0
    for channel in channels():
        for subscriber in channel.batch_subscribers():
            while delivered + failed < limit:
                went, lost = _deliver_batch(
                    channel.name, subscriber, now, min(BATCH, limit - delivered - failed)
                )
                if not went and not lost:
                    break
                delivered += went
                failed += lost
    while delivered + failed < limit:
        with transaction.atomic():
            message = _claim(now)
            if message is None:
                break
            if _deliver_one(message, now):
                delivered += 1
            else:
                failed += 1
    return delivered, failed
