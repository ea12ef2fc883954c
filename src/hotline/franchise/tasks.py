"""The worker passes timed-out offers on every minute and warns of expiring agreements daily."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from hotline.franchise.services import agreements_expiry_warn, market_offers_sweep


@db_periodic_task(crontab(minute="*"))  # type: ignore[untyped-decorator]
def sweep_market_offers() -> None:
    """Every minute: an offer not accepted within the response time goes to the next in turn."""
    market_offers_sweep()


@db_periodic_task(crontab(minute="10", hour="8"))  # type: ignore[untyped-decorator]
def warn_expiring_agreements() -> None:
    """Every morning: agreements ending within 30 days warn the centre admins."""
    agreements_expiry_warn()
