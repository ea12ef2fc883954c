"""The knowledge-base events: every ``ArticleEvent`` enters the record here, and is published.

``_event`` in ``knowledge.services`` is the one caller, so a subscriber of ``article_events``
sees each workflow step of an article (submitted, approved, published, expiry_warning …) once.
The codes are listed in docs/events.md; subscribing works as for ``tickets.events``.
"""

from __future__ import annotations

from collections.abc import Sequence

from hotline.core.events import Channel
from hotline.knowledge.models import ArticleEvent


def _load(event_id: int) -> ArticleEvent:
    return ArticleEvent.objects.select_related("article", "actor").get(pk=event_id)


#: The channel of knowledge-base events; its event id is ``ArticleEvent.pk``.
article_events: Channel[ArticleEvent] = Channel(
    "knowledge",
    code=lambda event: event.action,
    key=lambda event: event.pk,
    at=lambda event: event.at,
    load=_load,
)


def article_events_record(events: Sequence[ArticleEvent]) -> None:
    """Save ``events`` (new, unsaved) and publish them; call it inside the change's transaction."""
    if len(events) == 1:
        events[0].save(force_insert=True)
    elif events:
        ArticleEvent.objects.bulk_create(events)
    article_events.publish(events)
