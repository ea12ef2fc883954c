"""The statistics pages: the unit ranking, its drill-down, the leaders' dashboard, call figures.

Every figure comes from ``selectors`` (the same functions as the API and the reports); every
count on the ranking opens the tickets behind it (``selectors.fact_tickets``). Supervisors and
centre administrators read every unit; a unit's staff read their own unit only (STATS-4).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from hotline.core.categories import Category
from hotline.core.errors import DomainError
from hotline.directory.models import Area, Unit
from hotline.stats import calls as call_stats
from hotline.stats import selectors as sel
from hotline.stats.alerts import hot_topics_recent
from hotline.stats.models import COUNTERS
from hotline.tickets.models import Channel, Ticket

#: The longest period a page may ask for (days), as the API.
MAX_DAYS = 3 * 366
#: Drill-down rows per page.
PAGE_SIZE = 50

#: The ranking's columns: (indicator, label); counts open their tickets.
RANKED = (
    ("received", "Received"),
    ("replied", "Replied"),
    ("on_time", "On time"),
    ("overdue", "Overdue"),
    ("extended", "Extended"),
    ("returned", "Returned"),
    ("redispatched", "Re-dispatched"),
    ("supervised", "Supervised"),
    ("reminders", "Reminders"),
    ("callbacks", "Callbacks"),
    ("satisfied", "Satisfied"),
    ("basically_satisfied", "Basically satisfied"),
    ("dissatisfied", "Dissatisfied"),
)


def _forbidden(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "workbench/forbidden.html",
        {"message": _("You may not open this page.")},
        status=403,
    )


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _month_end(day: date) -> date:
    following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


def _period(request: HttpRequest) -> sel.Period:
    """Return the period of ``?from=&to=`` (whole days); this month when absent or invalid."""
    today = timezone.localdate()
    try:
        start = date.fromisoformat(request.GET.get("from", ""))
        end = date.fromisoformat(request.GET.get("to", ""))
    except ValueError:
        return sel.Period(_month_start(today), _month_end(today))
    if end < start or (end - start).days > MAX_DAYS:
        return sel.Period(_month_start(today), _month_end(today))
    return sel.Period(start, end)


def _presets(today: date) -> list[dict[str, Any]]:
    last_month = _month_start(today) - timedelta(days=1)
    quarter = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    return [
        {"label": _("This month"), "start": _month_start(today), "end": _month_end(today)},
        {"label": _("Last month"), "start": _month_start(last_month), "end": last_month},
        {
            "label": _("This quarter"),
            "start": quarter,
            "end": _month_end(quarter.replace(month=quarter.month + 2)),
        },
        {
            "label": _("This year"),
            "start": date(today.year, 1, 1),
            "end": date(today.year, 12, 31),
        },
    ]


@login_required
@require_GET
def ranking(request: HttpRequest) -> HttpResponse:
    """The assessment scores of the period, ranked; every count opens its tickets (STATS-4)."""
    user: Any = request.user
    units = list(sel.units_visible(user))
    if not units:
        return _forbidden(request)
    period = _period(request)
    rows = sel.ranking(period, units)
    context = {
        "period": period,
        "presets": _presets(timezone.localdate()),
        "rows": rows,
        "columns": [(code, _(label)) for code, label in RANKED],
        "weights": sel_weights(period),
        "read_all": sel.stats_read_all(user),
    }
    return render(request, "stats/ranking.html", context)


def sel_weights(period: sel.Period) -> Any:
    from hotline.stats.assessment import weights_for

    return weights_for(period.start)


@login_required
@require_GET
def drilldown(request: HttpRequest) -> HttpResponse:
    """The tickets behind one number: ``?unit=CODE&indicator=NAME&from=&to=`` (no unit: the
    centre's own row, for supervisors and centre administrators)."""
    user: Any = request.user
    indicator = request.GET.get("indicator", "")
    if indicator not in COUNTERS:
        raise Http404
    try:
        unit = sel.unit_for_drilldown(user, request.GET.get("unit", "").strip()[:32] or None)
    except Unit.DoesNotExist:
        raise Http404 from None
    except PermissionError:
        return _forbidden(request)
    period = _period(request)
    facts = sel.fact_tickets(period, unit, indicator)
    units = dict(Unit.objects.values_list("pk", "name"))
    total, tickets = sel.fact_total(period, unit, indicator)
    paginator = Paginator(facts, PAGE_SIZE)
    paginator.count = tickets  # from the rollups: no count over a big unit's year of facts
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "unit": unit,
        "indicator": indicator,
        "indicator_label": dict(RANKED).get(indicator, indicator),
        "period": period,
        "page": page,
        "query": query.urlencode(),
        "rows": [
            {
                "fact": f,
                "count": getattr(f, indicator),
                "unit_name": units.get(f.unit_key, _("The centre")),
            }
            for f in page
        ],
        "total": total,
    }
    return render(request, "stats/drilldown.html", context)


def _bars(rows: list[dict[str, Any]], value: str, labels: dict[Any, Any]) -> list[dict[str, Any]]:
    """Rows as bars: label, value and width in percent of the largest."""
    top = max((r[value] for r in rows), default=0) or 1
    return [
        {
            "key": r["key"],
            "label": labels.get(r["key"], str(r["key"])),
            "value": r[value],
            "width": round(100 * r[value] / top, 1),
        }
        for r in sorted(rows, key=lambda r: -r[value])
        if r[value]
    ]


def _lights(now: Any) -> dict[str, int]:
    from hotline.workbench.selectors import FINISHED, light_counts

    return light_counts(Ticket.objects.exclude(state__in=[s.value for s in FINISHED]), now)


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """The leaders' dashboard (数据大屏): today, this month, the lights, the ranking, trends by
    week and month, intake by channel, category and area, and the hot-topic alerts (STATS-3)."""
    user: Any = request.user
    if not sel.stats_read_all(user):
        return _forbidden(request)
    now = timezone.now()
    today = timezone.localdate()
    month = sel.Period(_month_start(today), _month_end(today))
    period = _period(request)
    year_back = sel.Period(_month_start(today - timedelta(days=365)), today)
    weeks_back = sel.Period(today - timedelta(weeks=12), today)
    channels = dict(Channel.choices)
    categories = dict(Category.choices)
    areas = {0: _("No area")} | dict(Area.objects.values_list("pk", "name"))
    context = {
        "period": period,
        "presets": _presets(today),
        "today_month": [
            (_("Today"), sel.centre_figures(sel.Period(today, today))),
            (_("This month"), sel.centre_figures(month)),
        ],
        "figures": sel.centre_figures(period),
        "lights": _lights(now),
        "ranking": [
            r
            for r in sel.ranking(month, list(sel.units_visible(user)), now=now)
            if r["rank"] is not None
        ][:10],
        "trends": [
            (_("By week (12 weeks)"), _trend_bars(sel.trend(weeks_back, "week"))),
            (_("By month (12 months)"), _trend_bars(sel.trend(year_back, "month"))),
        ],
        "breakdowns": [
            (_("By channel"), _bars(sel.breakdown(period, "channel"), "registered", channels)),
            (
                _("By category"),
                _bars(sel.breakdown(period, "category"), "registered", categories),
            ),
            (_("By area"), _bars(sel.breakdown(period, "area_key"), "registered", areas)[:15]),
        ],
        "alerts": hot_topics_recent(),
        "calls": call_stats.call_figures(period)["total"],
    }
    context["chart_data"] = _chart_data(context["trends"], period)
    response = render(request, "stats/dashboard.html", context)
    response["Content-Security-Policy"] = _map_csp()
    return response


def _chart_data(trends: list[tuple[str, list[dict[str, Any]]]], period: sel.Period) -> Any:
    """The data of the dashboard's ECharts trends and Leaflet map (``stats/dashboard.js``)."""
    from django.conf import settings

    return {
        "trends": [
            {
                "title": str(title),
                "keys": [str(b["key"]) for b in series],
                "registered": [b["registered"] for b in series],
                "replied": [b["replied"] for b in series],
            }
            for title, series in trends
        ],
        "labels": {"registered": _("Registered"), "replied": _("Replied")},
        "map": {
            "tiles": settings.HOTLINE_MAP_TILE_URL,
            "attribution": settings.HOTLINE_MAP_TILE_ATTRIBUTION,
            "areas": _map_areas(period),
        },
    }


def _map_areas(period: sel.Period) -> list[dict[str, Any]]:
    """The period's tickets by area as points: an area without coordinates counts at its
    nearest ancestor that has some; tickets without an area are not on the map."""
    counts = {r["key"]: r["registered"] for r in sel.breakdown(period, "area_key") if r["key"]}
    areas = {
        a["pk"]: a for a in Area.objects.values("pk", "name", "parent_id", "latitude", "longitude")
    }
    points: dict[int, dict[str, Any]] = {}
    for key, count in counts.items():
        area = areas.get(key)
        seen = 0
        while area is not None and area["latitude"] is None and seen < 8:
            area = areas.get(area["parent_id"])
            seen += 1
        if area is None or area["latitude"] is None or area["longitude"] is None:
            continue
        point = points.setdefault(
            area["pk"],
            {
                "name": area["name"],
                "lat": float(area["latitude"]),
                "lon": float(area["longitude"]),
                "count": 0,
            },
        )
        point["count"] += count
    return sorted(points.values(), key=lambda p: -p["count"])


def _map_csp() -> str:
    """The CSP of the dashboard: the platform's own, plus the map's tile server in img-src."""
    from urllib.parse import urlsplit

    from django.conf import settings

    csp: str = settings.HOTLINE_CSP
    parts = urlsplit(settings.HOTLINE_MAP_TILE_URL)
    if parts.scheme in ("http", "https") and parts.netloc:
        host = parts.netloc.replace("{s}", "*")
        if all(c not in host for c in "{} ;,'"):
            csp = csp.replace(
                "img-src 'self' data:", f"img-src 'self' data: {parts.scheme}://{host}"
            )
    return csp


def _trend_bars(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Trend rows in time order with a bar height in percent of the largest intake."""
    top = max((r["registered"] for r in rows), default=0) or 1
    return [
        {
            "key": r["key"],
            "registered": r["registered"],
            "replied": r["replied"],
            "on_time_rate": r["on_time_rate"],
            "satisfaction_rate": r["satisfaction_rate"],
            "height": round(100 * r["registered"] / top, 1),
            "x": 100 * i,
            "y": round(100 - 100 * r["registered"] / top, 1),
            "width": 100 * len(rows),
        }
        for i, r in enumerate(rows)
    ]


@login_required
@require_GET
def call_figures(request: HttpRequest) -> HttpResponse:
    """The call-centre figures of the period: overall, per hour of day, per agent (STATS-6)."""
    user: Any = request.user
    if not sel.stats_read_all(user):
        return _forbidden(request)
    period = _period(request)
    figures = call_stats.call_figures(period)
    context = {
        "period": period,
        "presets": _presets(timezone.localdate()),
        "seats": call_stats.seat_check(),
        "key_label": {"total": "", "hours": _("Hour"), "agents": _("Agent")},
        "tables": [
            (_("All inbound calls"), [{"label": _("All"), **figures["total"]}], "total"),
            (
                _("By hour of day"),
                [{"label": f"{r['hour']:02d}:00", **r} for r in figures["hours"]],
                "hours",
            ),
            (_("By agent"), [{"label": r["agent"], **r} for r in figures["agents"]], "agents"),
        ],
    }
    return render(request, "stats/calls.html", context)


def _reports_visible(user: Any) -> Any:
    """The stored reports ``user`` may download: every one, or the user's unit's own."""
    from hotline.stats.models import StoredReport

    stored = StoredReport.objects.select_related("unit")
    if sel.stats_read_all(user):
        return stored
    units = list(sel.units_visible(user))
    if not units:
        return None
    return stored.filter(unit__in=units)


@login_required
@require_http_methods(["GET", "POST"])
def reports(request: HttpRequest) -> HttpResponse:
    """The stored periodic reports (STATS-2): list, download, and generate one on demand.

    Supervisors and centre administrators see every report and generate any; a unit's staff
    see and generate their own unit's reports only.
    """
    from hotline.stats import archive
    from hotline.stats.reports import KINDS, TITLES, PeriodError

    user: Any = request.user
    visible = _reports_visible(user)
    if visible is None:
        return _forbidden(request)
    read_all = sel.stats_read_all(user)
    units = list(sel.units_visible(user))
    error = ""
    if request.method == "POST":
        kind = request.POST.get("kind", "")
        period = request.POST.get("period", "").strip()[:16]
        fmt = request.POST.get("format", "")
        code = request.POST.get("unit", "").strip()[:32]
        unit = next((u for u in units if u.code == code), None)
        if not read_all:
            unit = units[0]
        elif code and unit is None:
            error = _("Unknown unit.")
        if kind not in KINDS or fmt not in archive.FORMATS:
            error = _("Choose a kind and a format.")
        if not error:
            try:
                archive.report_store(kind, period, fmt, unit, on_demand=True)
            except (PeriodError, ValueError):
                error = _("Not a period of that kind: %(period)s") % {"period": period}
        if not error:
            return redirect("stats:reports")
    page = Paginator(visible, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "titles": TITLES,
        "kinds": [(k, TITLES[k]) for k in KINDS],
        "units": units if read_all else [],
        "read_all": read_all,
        "error": error,
        "default_period": f"{timezone.localdate():%Y-%m}",
    }
    return render(request, "stats/reports.html", context, status=400 if error else 200)


@login_required
@require_GET
def report_download(request: HttpRequest, pk: int) -> HttpResponse | FileResponse:
    """One stored report's file, to those who may see it."""
    visible = _reports_visible(request.user)
    if visible is None:
        return _forbidden(request)
    stored = visible.filter(pk=pk).first()
    if stored is None:
        raise Http404
    kind = (
        "application/pdf"
        if stored.format == "pdf"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return FileResponse(
        stored.file.open("rb"), as_attachment=True, filename=stored.filename, content_type=kind
    )


#: The weights' fields on the settings page: (field, label).
WEIGHT_FIELDS = (
    ("on_time", "On-time completion weight"),
    ("satisfaction", "Satisfaction weight"),
    ("kb_timeliness", "Knowledge-base timeliness weight"),
    ("per_order", "Deduction per supervision order"),
    ("per_reminder", "Deduction per reminder notice"),
    ("per_notice", "Deduction per public notice"),
)
#: The largest weight or deduction the page and the API take.
WEIGHT_MAX = Decimal("1000")


def _weights_read(form: dict[str, str]) -> tuple[dict[str, Any], str]:
    """Return the typed weights as values, or an error message naming the first bad field."""
    values: dict[str, Any] = {}
    try:
        values["valid_from"] = date.fromisoformat(form["valid_from"])
    except ValueError:
        return {}, _("Valid from: enter a date such as 2027-01-01.")
    for name, label in WEIGHT_FIELDS:
        try:
            number = Decimal(form[name])
        except InvalidOperation:
            number = Decimal("NaN")
        if not number.is_finite() or not 0 <= number <= WEIGHT_MAX or number != round(number, 2):
            return {}, _("%(field)s: enter a number from 0 to 1000 with at most two decimals.") % {
                "field": _(label)
            }
        values[name] = number
    values["note"] = form["note"]
    return values, ""


@login_required
@require_http_methods(["GET", "POST"])
def weights(request: HttpRequest) -> HttpResponse:
    """The assessment weights (STATS-4): every version, and a new one from a date.

    Centre administrators set them; supervisors read them. A new version applies to the periods
    starting on or after its date; earlier periods keep the version they were scored with.
    """
    from hotline.stats.assessment import DEFAULT, weights_set
    from hotline.stats.models import AssessmentWeights

    user: Any = request.user
    may_set = bool(getattr(user, "is_superuser", False) or "centre_admin" in user.roles)
    if not may_set and not sel.stats_read_all(user):
        return _forbidden(request)
    versions = list(AssessmentWeights.objects.order_by("-version"))
    error = ""
    if request.method == "POST":
        if not may_set:
            return _forbidden(request)
        names = ("valid_from", *(n for n, _label in WEIGHT_FIELDS), "note")
        form = {n: request.POST.get(n, "").strip()[: 200 if n == "note" else 20] for n in names}
        values, error = _weights_read(form)
        if not error:
            try:
                made = weights_set(actor=user, **values)
            except DomainError as exc:
                error = exc.message
            else:
                return redirect(f"{request.path}?saved={made.version}")
    else:
        latest = versions[0] if versions else DEFAULT
        tomorrow = timezone.localdate() + timedelta(days=1)
        form = {"valid_from": tomorrow.isoformat(), "note": ""}
        form.update({n: f"{Decimal(str(getattr(latest, n))):.2f}" for n, _l in WEIGHT_FIELDS})
    context = {
        "versions": versions,
        "fields": [(n, _(label), form[n]) for n, label in WEIGHT_FIELDS],
        "form": form,
        "may_set": may_set,
        "error": error,
        "saved": request.GET.get("saved", "")[:8],
        "default": DEFAULT,
    }
    return render(request, "stats/weights.html", context, status=400 if error else 200)
