from __future__ import annotations

from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.utils import timezone
from django.utils.dateparse import parse_date

from hotline.core.heartbeat import heartbeat_is_fresh, heartbeat_latest
from hotline.core.models import AuditEntry, WorkerHeartbeat
from hotline.policy.calendar import missing_next_year
from hotline.policy.services import calendar_current
from hotline.stats.calls import seat_check


def _require(request: HttpRequest, permission: str) -> None:
    if not request.user.can(permission):  # type: ignore[union-attr]
        raise PermissionDenied


def favicon(request: HttpRequest) -> HttpResponseRedirect:
    """Send ``/favicon.ico``, which browsers ask for on every page, to the static icon."""
    return HttpResponseRedirect(static("hotline/favicon.ico"))


def healthz(request: HttpRequest) -> JsonResponse:
    """Return 200 when the web process can reach the database (for load balancers)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"ok": True})


@login_required
def status(request: HttpRequest) -> HttpResponse:
    """The status page: the worker's last heartbeat and the configuration in force."""
    _require(request, "status.view")
    beat = heartbeat_latest()
    context = {
        "heartbeat": beat,
        "worker_running": heartbeat_is_fresh(beat),
        "workers": WorkerHeartbeat.objects.all()[:20],
        "database": connection.vendor,
        "queue": "Redis" if settings.REDIS_URL else "SQLite",
        "profile": settings.HOTLINE_PROFILE,
        "missing_year": missing_next_year(timezone.localdate(), calendar_current()),
        "seats": seat_check(),  # ZJ 第九条 (CALLCENTRE-2, O2, A21)
    }
    template = "core/_heartbeat.html" if request.htmx else "core/status.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@login_required
def audit(request: HttpRequest) -> HttpResponse:
    """The audit log for the centre administrator, filterable and paginated."""
    _require(request, "audit.view")
    entries = AuditEntry.objects.select_related(None).all()
    filters: dict[str, Any] = {
        key: request.GET.get(key, "").strip()
        for key in ("actor", "action", "object_type", "object_id", "since", "until")
    }
    if filters["actor"]:
        entries = entries.filter(actor_username=filters["actor"])
    if filters["action"]:
        entries = entries.filter(action__startswith=filters["action"])
    if filters["object_type"]:
        entries = entries.filter(object_type=filters["object_type"])
    if filters["object_id"]:
        entries = entries.filter(object_id=filters["object_id"])
    tz = ZoneInfo(settings.TIME_ZONE)
    if since := parse_date(filters["since"] or ""):
        entries = entries.filter(at__gte=datetime.combine(since, time.min, tzinfo=tz))
    if until := parse_date(filters["until"] or ""):
        entries = entries.filter(at__lt=datetime.combine(until, time.max, tzinfo=tz))
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "core/audit.html",
        {"page": page, "filters": filters, "query": query.urlencode()},
    )
