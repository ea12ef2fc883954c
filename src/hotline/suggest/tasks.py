"""The worker retrains the dispatch suggestion every night on the centre's history."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(minute="40", hour="18"))  # type: ignore[untyped-decorator]
def retrain_suggestion() -> None:
    """Daily at 18:40 UTC (02:40 Asia/Shanghai): the model relearns from the dispatched tickets
    (DISPATCH-1); the Teddy Cup file is used when ``HOTLINE_SUGGEST_DATA`` names it."""
    from hotline.suggest.services import suggest_train, teddycup_data

    suggest_train(from_file=teddycup_data())
