from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema

from hotline.core.errors import PermissionDenied
from hotline.core.heartbeat import heartbeat_is_fresh, heartbeat_latest

router = Router(tags=["status"])


class StatusOut(Schema):
    worker_running: bool
    last_heartbeat: datetime | None
    profile: str


@router.get("/status", response=StatusOut, summary="Background worker status (admins)")
def status(request: HttpRequest) -> StatusOut:
    from django.conf import settings

    if not request.user.can("status.view"):  # type: ignore[union-attr]
        raise PermissionDenied()
    beat = heartbeat_latest()
    return StatusOut(
        worker_running=heartbeat_is_fresh(beat),
        last_heartbeat=beat.beat_at if beat else None,
        profile=settings.HOTLINE_PROFILE,
    )
