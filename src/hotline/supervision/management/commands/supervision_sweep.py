"""``hotline supervision-sweep``: run the supervision sweep once, now."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from hotline.supervision.sweep import supervision_sweep


class Command(BaseCommand):
    help = (
        "Open supervision orders for overdue items where the profile says so, issue and "
        "escalate reminder notices (催办通知书), once."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = supervision_sweep()
        self.stdout.write(
            f"orders opened {result.orders_opened}, reminders issued "
            f"{result.reminders_issued}, escalated {result.escalated}"
        )
