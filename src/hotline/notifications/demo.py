"""The notifications' demo step: deliver what the demo data notified, as the worker would."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from hotline.notifications.services import outbox_deliver

if TYPE_CHECKING:
    from hotline.core.demo import DemoOptions


def notifications_demo(options: DemoOptions) -> list[str]:
    """Deliver the outbox at the demo's clock (``NotificationsConfig.demo_loader``)."""
    quiet = logging.getLogger("hotline.notifications")
    level = quiet.level
    quiet.setLevel(logging.WARNING)  # the log adapter would print every demo notification
    try:
        delivered, failed = outbox_deliver(now=options.now, limit=100_000)
    finally:
        quiet.setLevel(level)
    return [f"Notifications: {delivered} delivered, {failed} failed."]
