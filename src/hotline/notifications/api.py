"""The in-app inbox: a staff user's notifications (deadline warnings, new tickets, decisions)."""

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema

from hotline.accounts.models import User
from hotline.core.edge import RowId
from hotline.core.errors import NotFound
from hotline.core.masking import mask_text
from hotline.notifications.models import InboxItem

router = Router(tags=["notifications"])


class InboxItemOut(Schema):
    id: int
    created_at: datetime
    topic: str
    title: str
    body: str
    ticket: str | None
    read: bool


class InboxOut(Schema):
    unread: int
    results: list[InboxItemOut]


def _user(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):  # the API's authentication lets only staff users through
        raise NotFound()
    return user


def _out(item: InboxItem) -> dict[str, Any]:
    return {
        "id": item.pk,
        "created_at": item.created_at,
        "topic": item.topic,
        # PRIVACY-3: a list of notifications shows phone numbers masked.
        "title": mask_text(item.title),
        "body": mask_text(item.body),
        "ticket": item.ticket.number if item.ticket else None,
        "read": item.read_at is not None,
    }


@router.get("/inbox", response=InboxOut, summary="Your notifications, newest first")
def inbox(request: HttpRequest, unread: bool = False, limit: int = 50) -> dict[str, Any]:
    items = InboxItem.objects.filter(user=_user(request)).select_related("ticket")
    count = items.filter(read_at__isnull=True).count()
    if unread:
        items = items.filter(read_at__isnull=True)
    return {"unread": count, "results": [_out(i) for i in items[: max(1, min(limit, 200))]]}


@router.post("/inbox/{item_id}/read", response=InboxItemOut, summary="Mark one as read")
def inbox_read(request: HttpRequest, item_id: RowId) -> dict[str, Any]:
    item = InboxItem.objects.filter(user=_user(request), pk=item_id).first()
    if item is None:
        raise NotFound()
    if item.read_at is None:
        item.read_at = timezone.now()
        item.save(update_fields=["read_at"])
    return _out(item)
