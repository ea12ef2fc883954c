from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from hotline.core import tasks
from hotline.core.heartbeat import heartbeat_is_fresh, heartbeat_latest, heartbeat_record

pytestmark = pytest.mark.django_db


def test_heartbeat_is_a_periodic_task_every_minute():
    for minute in (0, 17, 59):
        at = timezone.now().replace(minute=minute, second=0, microsecond=0)
        due = {task.name for task in HUEY.read_periodic(at)}
        assert "heartbeat" in due


def test_running_the_heartbeat_task_records_a_beat():
    tasks.heartbeat.call_local()
    beat = heartbeat_latest()
    assert beat is not None
    assert beat.beats == 1
    tasks.heartbeat.call_local()
    beat.refresh_from_db()
    assert beat.beats == 2


def test_a_stale_heartbeat_means_the_worker_is_down():
    now = timezone.now()
    beat = heartbeat_record(worker="w1", now=now - timedelta(minutes=10))
    assert not heartbeat_is_fresh(beat, now=now)
    assert heartbeat_is_fresh(heartbeat_record(worker="w1", now=now), now=now)


def test_status_page_shows_the_last_heartbeat(client, centre_admin):
    client.force_login(centre_admin)
    page = client.get(reverse("core:status")).content.decode()
    assert "从未运行" in page
    beat = heartbeat_record(worker="host:1")
    page = client.get(reverse("core:status")).content.decode()
    local = timezone.localtime(beat.beat_at)
    assert local.strftime("%Y-%m-%d %H:%M:%S") in page
    assert "运行中" in page


def test_status_api_reports_the_worker(client, centre_admin):
    heartbeat_record(worker="host:1")
    client.force_login(centre_admin)
    body = client.get("/api/v1/status").json()
    assert body["worker_running"] is True
    assert body["profile"] == "national-12345"
