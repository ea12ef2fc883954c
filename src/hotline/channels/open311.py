"""Open311 GeoReport v2 at ``/open311/v2/`` (the civic-request standard of FixMyStreet and
Mark-a-Spot): discovery, services, service definitions, requests (GET, and POST with an
``api_key``), one request, tokens; each in ``.json`` and ``.xml``.

Service codes are the ticket categories (``complaint``, ``consultation`` …); each has one
attribute, ``area``, listing the gazetteer's areas (``attribute[area]=CODE`` on POST, or the
code ``category.AREA``). Requests listed are those that came in through Open311; their status
follows the ticket (``open``/``closed``) with ``status_notes`` from the reply. Errors are
GeoReport's list of ``{"code", "description"}`` with the HTTP status.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import Any
from xml.etree import ElementTree as ET

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt

from hotline.core.categories import Category
from hotline.core.errors import DomainError
from hotline.core.throttle import AddressThrottle
from hotline.directory.models import Area

from .models import Open311Request
from .services import open311_key_check, open311_status, open311_submit

FORMATS = ("json", "xml")
MAX_LIST = 1000
DEFAULT_WINDOW = timedelta(days=90)
#: The XML element of each item of a list, by the list's root element.
_ITEMS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}


class Open311Error(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


def _xml(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            child = ET.SubElement(element, key)
            _xml(child, item)
    elif isinstance(value, list):
        name = _ITEMS.get(element.tag, "item")
        for item in value:
            _xml(ET.SubElement(element, name), item)
    elif value is None:
        element.text = ""
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    else:
        element.text = str(value)


def _render(data: Any, fmt: str, root: str, status: int = 200) -> HttpResponse:
    if fmt == "xml":
        element = ET.Element(root)
        _xml(element, data)
        body = b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(element, encoding="utf-8")
        return HttpResponse(body, status=status, content_type="text/xml; charset=utf-8")
    return HttpResponse(
        json.dumps(data, ensure_ascii=False),
        status=status,
        content_type="application/json; charset=utf-8",
    )


def _endpoint(root: str) -> Callable[[Callable[..., Any]], Callable[..., HttpResponse]]:
    """Render what the view returns in the requested format; errors as GeoReport errors."""

    def decorator(view: Callable[..., Any]) -> Callable[..., HttpResponse]:
        @csrf_exempt
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, fmt: str, **kwargs: Any) -> HttpResponse:
            fmt = fmt if fmt in FORMATS else "json"
            try:
                if not AddressThrottle("open311").allow_request(request):
                    raise Open311Error(429, "Too many requests; try again later.")
                return _render(view(request, *args, **kwargs), fmt, root)
            except Open311Error as exc:
                errors = [{"code": exc.status, "description": exc.description}]
                return _render(errors, fmt, "errors", exc.status)
            except DomainError as exc:
                errors = [{"code": exc.status, "description": exc.message}]
                return _render(errors, fmt, "errors", exc.status)

        return wrapped

    return decorator


def _iso(moment: datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat() if moment else None


@_endpoint("discovery")
def discovery(request: HttpRequest) -> dict[str, Any]:
    base = request.build_absolute_uri("/open311/v2/")
    return {
        "changeset": "2026-11-28T00:00:00+08:00",
        "contact": "12345 热线中心",
        "key_service": "向热线中心管理员申请 api_key（hotline open311 key create NAME）",
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": base,
                "changeset": "2026-11-28T00:00:00+08:00",
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
        ],
    }


def _service(category: Category) -> dict[str, Any]:
    return {
        "service_code": category.value,
        "service_name": str(category.label),
        "description": f"向热线中心提出的{category.label}",
        "metadata": True,
        "type": "realtime",
        "keywords": category.value,
        "group": "hotline",
    }


@_endpoint("services")
def services(request: HttpRequest) -> list[dict[str, Any]]:
    return [_service(c) for c in Category]


@_endpoint("service_definition")
def service_definition(request: HttpRequest, code: str) -> dict[str, Any]:
    if code not in Category.values:
        raise Open311Error(404, f"Unknown service_code {code[:32]!r}.")
    areas = list(Area.objects.order_by("path").values_list("code", "name")[:2000])
    return {
        "service_code": code,
        "attributes": [
            {
                "variable": True,
                "code": "area",
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": "区域编码",
                "order": 1,
                "description": "事发区域",
                "values": [{"key": key, "name": name} for key, name in areas],
            }
        ],
    }


def _request_out(row: Open311Request) -> dict[str, Any]:
    ticket = row.ticket
    status, notes, updated = open311_status(ticket)
    category = Category(ticket.category)
    return {
        "service_request_id": ticket.number,
        "status": status,
        "status_notes": notes,
        "service_name": str(category.label),
        "service_code": row.service_code,
        "description": ticket.content[:4000],
        "agency_responsible": None,
        "service_notice": None,
        "requested_datetime": _iso(ticket.registered_at),
        "updated_datetime": _iso(updated),
        "expected_datetime": None,
        "address": ticket.address or None,
        "address_id": ticket.area.code if ticket.area else None,
        "zipcode": None,
        "lat": row.lat,
        "long": row.long,
        "media_url": row.media_url or None,
    }


def _date(value: str, name: str) -> datetime:
    parsed = parse_datetime(value.strip()[:40]) if value else None
    if parsed is None:
        raise Open311Error(400, f"{name} must be a W3C date-time such as 2026-11-01T00:00:00Z.")
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _rows() -> Any:
    return Open311Request.objects.select_related("ticket", "ticket__area")


def _list(request: HttpRequest) -> list[dict[str, Any]]:
    params = request.GET
    for value in params.values():
        if "\x00" in value or len(value) > 2000:
            raise Open311Error(400, "Invalid parameter.")
    rows = _rows()
    if ids := params.get("service_request_id", "").strip():
        numbers = [n.strip() for n in ids.split(",") if n.strip()][:MAX_LIST]
        return [_request_out(r) for r in rows.filter(ticket__number__in=numbers)]
    now = timezone.now()
    end = _date(params["end_date"], "end_date") if params.get("end_date") else now
    start = (
        _date(params["start_date"], "start_date")
        if params.get("start_date")
        else end - DEFAULT_WINDOW
    )
    rows = rows.filter(ticket__registered_at__gte=start, ticket__registered_at__lte=end)
    if codes := params.get("service_code", "").strip():
        wanted = [c.strip() for c in codes.split(",") if c.strip()]
        rows = rows.filter(ticket__category__in=[c.partition(".")[0] for c in wanted])
    found = [_request_out(r) for r in rows.order_by("-ticket__registered_at")[:MAX_LIST]]
    if status := params.get("status", "").strip():
        allowed = {s.strip() for s in status.split(",")}
        if not allowed <= {"open", "closed"}:
            raise Open311Error(400, "status must be open or closed.")
        found = [r for r in found if r["status"] in allowed]
    return found


def _float(value: str, name: str) -> float | None:
    if not value:
        return None
    try:
        return float(value[:32])
    except ValueError:
        raise Open311Error(400, f"{name} must be a number.") from None


def _create(request: HttpRequest) -> list[dict[str, Any]]:
    data = request.POST
    key = open311_key_check(data.get("api_key", ""))
    code = data.get("service_code", "").strip()[:64]
    if code.partition(".")[0] not in Category.values:
        raise Open311Error(404, f"Unknown service_code {code[:32]!r}.")
    description = data.get("description", "")
    if not description.strip():
        raise Open311Error(400, "description is required.")
    name = " ".join(x for x in (data.get("last_name", ""), data.get("first_name", "")) if x)
    contact = data.get("phone", "").strip() or data.get("email", "").strip()[:32]
    with transaction.atomic():
        row = open311_submit(
            key=key,
            service_code=code,
            description=description,
            phone=contact,
            name=name,
            address=data.get("address_string", ""),
            area_code=data.get("attribute[area]", "").strip()[:32]
            or data.get("address_id", "").strip()[:32],
            lat=_float(data.get("lat", ""), "lat"),
            long=_float(data.get("long", ""), "long"),
            media_url=data.get("media_url", ""),
        )
    return [
        {
            "service_request_id": row.ticket.number,
            "token": row.token,
            "service_notice": "已受理登记，将按规定时限办理。",
            "account_id": None,
        }
    ]


@_endpoint("service_requests")
def requests(request: HttpRequest) -> list[dict[str, Any]]:
    if request.method == "POST":
        return _create(request)
    if request.method != "GET":
        raise Open311Error(405, "Method not allowed.")
    return _list(request)


@_endpoint("service_requests")
def request_detail(request: HttpRequest, request_id: str) -> list[dict[str, Any]]:
    row = _rows().filter(ticket__number=request_id[:20]).first()
    if row is None:
        raise Open311Error(404, "No such service request.")
    return [_request_out(row)]


@_endpoint("service_requests")
def token(request: HttpRequest, token: str) -> list[dict[str, Any]]:
    row = _rows().filter(token=token[:32]).first()
    if row is None:
        raise Open311Error(404, "No such token.")
    return [{"service_request_id": row.ticket.number, "token": row.token}]
