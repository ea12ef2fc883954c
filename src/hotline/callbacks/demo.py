"""Demo callbacks: the queue fills itself from the demo tickets' results (the receivers run
while the tickets' loader plays their stories); this loader draws the month's sample where the
profile samples, queues supervised tickets, and, where the profile answers dissatisfaction with
a quality inspection (TJ, C2), opens one on every dissatisfied demo ticket that has none, so that
the inspection page has work. Other profiles' demos show their own reaction instead (QLH's redo,
SH's supervision)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction

from hotline.accounts.models import User
from hotline.callbacks.models import CallbackRecord, DueCallback, DueState, Inspection
from hotline.callbacks.services import callbacks_sweep, inspection_open
from hotline.core.errors import DomainError
from hotline.policy.profiles import load_profile
from hotline.tickets import services as tickets
from hotline.tickets.models import Ticket

if TYPE_CHECKING:
    from hotline.core.demo import DemoOptions


def callbacks_demo(options: DemoOptions) -> list[str]:
    """The callbacks' demo loader (``CallbacksConfig.demo_loader``); idempotent."""
    callbacks_sweep(now=options.now)
    for ticket in Ticket.objects.filter(state="dissatisfied").order_by("pk"):
        if not _inspects(ticket.profile) or Inspection.objects.filter(ticket=ticket).exists():
            continue
        record = CallbackRecord.objects.filter(ticket=ticket, result="dissatisfied").last()
        with transaction.atomic():
            inspection_open(ticket, record=record, now=record.at if record else options.now)
    if _inspects(settings.HOTLINE_PROFILE) and not Inspection.objects.exists():
        _one_dissatisfied(options)
    due = DueCallback.objects.filter(state=DueState.OPEN).count()
    inspections = Inspection.objects.filter(state="open").count()
    return [f"Callbacks due: {due}; quality inspections open: {inspections}."]


def _inspects(profile: str) -> bool:
    """Whether the demo shows inspections under ``profile``: where dissatisfaction leads to a
    quality inspection (TJ, C2), or to a redo the centre decides by hand (the national default,
    where the inspection is how it decides); not where the profile reacts by itself (QLH's
    redo at once, SH's supervision)."""
    callback = load_profile(profile).callback
    if callback.on_dissatisfied == "quality_inspection":
        return True
    return callback.on_dissatisfied == "redo" and not callback.redo_at_once


def _one_dissatisfied(options: DemoOptions) -> None:
    """No dissatisfied demo ticket: the demo callback agent finds one citizen dissatisfied."""
    caller = User.objects.filter(username="callback").first()
    due = (
        DueCallback.objects.filter(state=DueState.OPEN, ticket__state="replied")
        .select_related("ticket")
        .order_by("due_at", "id")
        .first()
    )
    if caller is None or due is None:
        return
    at = options.now - timedelta(minutes=2)
    try:
        with transaction.atomic():
            tickets.ticket_callback(
                actor=caller,
                ticket=due.ticket,
                result="dissatisfied",
                solved=False,
                contacted_in_time=True,
                note="诉求人表示问题仍未解决",
                now=at,
            )
            if due.ticket.state == "dissatisfied":
                inspection_open(due.ticket, record=CallbackRecord.objects.last(), now=at)
    except DomainError:
        return
