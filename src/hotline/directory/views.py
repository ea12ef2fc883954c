from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from hotline.accounts.scope import unit_get_for_user, units_visible_to
from hotline.core.errors import NotFound
from hotline.directory import selectors
from hotline.directory.models import Area, Unit


@login_required
def unit_list(request: HttpRequest) -> HttpResponse:
    """The units the user may see, searchable by name, short name or code."""
    q = request.GET.get("q", "").strip()
    kind = request.GET.get("kind", "")
    units = selectors.unit_search(
        units_visible_to(request.user),  # type: ignore[arg-type]
        q=q,
        kind=kind,
    ).select_related("parent", "area")
    page = Paginator(units, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "directory/unit_list.html",
        {
            "page": page,
            "q": q,
            "kind": kind,
            "kinds": Unit.Kind.choices,
            "query": query.urlencode(),
        },
    )


@login_required
def unit_detail(request: HttpRequest, code: str) -> HttpResponse:
    """One unit: liaisons, responsibility list, sub-units. Out-of-scope units are 404."""
    try:
        unit = unit_get_for_user(request.user, code)  # type: ignore[arg-type]
    except NotFound:
        raise Http404 from None
    children = units_visible_to(request.user).filter(parent=unit)  # type: ignore[arg-type]
    return render(
        request,
        "directory/unit_detail.html",
        {
            "unit": unit,
            "liaisons": unit.liaisons.all(),
            "responsibilities": unit.responsibilities.filter(active=True).prefetch_related("areas"),
            "children": children,
        },
    )


@login_required
def area_list(request: HttpRequest) -> HttpResponse:
    """The gazetteer, searchable by name and alias."""
    q = request.GET.get("q", "").strip()
    areas = selectors.area_search(Area.objects.select_related("parent"), q=q)
    page = Paginator(areas, 100).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request, "directory/area_list.html", {"page": page, "q": q, "query": query.urlencode()}
    )
