"""The outbox: written with the change, delivered at least once, failures retried with backoff."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from hotline.notifications import services
from hotline.notifications.models import DeliveryAttempt, InboxItem, OutboxMessage

pytestmark = pytest.mark.django_db


def test_a_rolled_back_change_notifies_nobody(unit, unit_officer):
    with pytest.raises(RuntimeError), transaction.atomic():
        services.outbox_put(topic="ticket.dispatched", title="新工单", unit=unit)
        raise RuntimeError("the change failed")
    assert not OutboxMessage.objects.exists()


def test_delivery_reaches_the_units_inbox_once(unit, unit_officer, unit_admin, outsider):
    services.outbox_put(topic="ticket.dispatched", title="新工单 1", unit=unit)
    now = timezone.now()
    assert services.outbox_deliver(now=now) == (2, 0)  # inbox and log
    assert set(InboxItem.objects.values_list("user__username", flat=True)) == {
        unit_officer.username,
        unit_admin.username,
    }
    # A repeated delivery (e.g. after a crash before the mark) shows nothing twice.
    OutboxMessage.objects.update(delivered_at=None)
    services.outbox_deliver(now=now)
    assert InboxItem.objects.count() == 2
    assert services.outbox_deliver(now=now) == (0, 0)


def test_a_failing_adapter_is_retried_with_backoff(unit, unit_officer, monkeypatch):
    calls = {"n": 0}

    def flaky(message):
        calls["n"] += 1
        if calls["n"] < 3:
            raise ConnectionError("gateway down")

    monkeypatch.setitem(services.ADAPTERS, "sms", flaky)
    services.outbox_put(topic="t", title="短信", unit=unit, adapters=("sms",))
    now = timezone.now()
    assert services.outbox_deliver(now=now) == (0, 1)
    message = OutboxMessage.objects.get()
    assert message.attempts == 1 and "gateway down" in message.last_error
    assert message.next_attempt_at == now + timedelta(minutes=1)
    assert services.outbox_deliver(now=now + timedelta(seconds=30)) == (0, 0)  # not yet due
    assert services.outbox_deliver(now=now + timedelta(minutes=1)) == (0, 1)
    message.refresh_from_db()
    assert message.next_attempt_at == now + timedelta(minutes=1) + timedelta(minutes=2)
    assert services.outbox_deliver(now=now + timedelta(minutes=3)) == (1, 0)
    message.refresh_from_db()
    assert message.delivered_at is not None and message.last_error == ""
    assert list(DeliveryAttempt.objects.values_list("ok", flat=True)) == [False, False, True]


def test_backoff_doubles_up_to_an_hour():
    assert [services.backoff(n).total_seconds() / 60 for n in (1, 2, 3, 4)] == [1, 2, 4, 8]
    assert services.backoff(20) == timedelta(hours=1)


def test_the_inbox_api_lists_and_marks_read(client, unit, unit_officer, outsider):
    services.outbox_put(topic="ticket.dispatched", title="新工单 2", unit=unit)
    services.outbox_deliver()
    client.force_login(unit_officer)
    body = client.get("/api/v1/inbox").json()
    assert body["unread"] == 1 and body["results"][0]["title"] == "新工单 2"
    item = body["results"][0]["id"]
    assert client.post(f"/api/v1/inbox/{item}/read").json()["read"] is True
    assert client.get("/api/v1/inbox").json()["unread"] == 0
    client.force_login(outsider)  # another unit's user cannot see or touch it
    assert client.get("/api/v1/inbox").json()["results"] == []
    assert client.post(f"/api/v1/inbox/{item}/read").status_code == 404
