"""The demo shows a month of supervision and of centre quality, made by the services."""

from __future__ import annotations

import pytest
import time_machine
from django.utils import timezone

from hotline.accounts.demo import accounts_demo_load
from hotline.citizens.demo import citizens_demo_load
from hotline.directory.demo import directory_demo_load
from hotline.quality.demo import quality_demo_load
from hotline.quality.models import CallerFlag, Review, SampledTicket
from hotline.supervision.demo import supervision_demo_load
from hotline.supervision.models import Notice, Reminder, SupervisionOrder
from hotline.tickets.demo import tickets_demo_load

pytestmark = pytest.mark.django_db


@pytest.mark.req("SUPERVISE-1", "SUPERVISE-2", "SUPERVISE-4", "STATS-5", "INTAKE-7")
# The demo plays the month up to "now" on the working-day calendar, so what it makes depends on
# the day and the hour it runs: the clock is fixed late on a Wednesday.
@time_machine.travel("2026-11-25 23:30 +0800", tick=True)
def test_the_demo_runs_a_month_of_supervision_and_quality():
    now = timezone.now()
    directory_demo_load()
    accounts_demo_load()
    citizens_demo_load()
    tickets_demo_load(60, now=now)

    made = supervision_demo_load(now=now)
    assert made["reminders"] >= 2 and made["answered"] == 2
    assert Reminder.objects.filter(acknowledged_at__isnull=False, reason="").exists()
    with_reason = Reminder.objects.exclude(reason="").get()
    # The reason stopped that chain: no later notice for the same deadline.
    assert not Reminder.objects.filter(
        deadline=with_reason.deadline, sequence__gt=with_reason.sequence
    ).exists()
    triggers = set(SupervisionOrder.objects.values_list("trigger", "state"))
    assert ("manual", "closed") in triggers and ("manual", "open") in triggers
    assert {t for t, _ in triggers} > {"manual"}
    assert Notice.objects.filter(issued_by__username="supervisor").count() == 1

    quality = quality_demo_load(now=now)
    assert quality["scored"] >= 1 and Review.objects.count() == quality["scored"]
    assert SampledTicket.objects.filter(agent__username="agent").exists()
    flag = CallerFlag.objects.get()
    assert flag.in_force(now) and flag.tickets.exists()

    # Idempotent: a second run adds nothing.
    assert supervision_demo_load(now=now) == {} and quality_demo_load(now=now) == {}
