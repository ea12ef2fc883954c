"""Reads of market services: franchisee lists, published ratings, reports (PUBLISH-2)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from hotline.core.errors import InvalidInput
from hotline.directory.models import Area
from hotline.franchise.models import (
    CreditDecision,
    Franchisee,
    MarketOrder,
    Service,
    VolunteerService,
)
from hotline.franchise.services import franchisee_ranking


def _row(f: Franchisee) -> dict[str, Any]:
    return {
        "code": f.unit.code,
        "name": f.unit.name,
        "services": list(f.services),
        "stars": f.stars,
        "credit": f.credit,
        "blacklisted": f.blacklisted,
    }


def franchisee_rows(
    *, service: str | None = None, area_code: str | None = None
) -> list[dict[str, Any]]:
    """Return franchisees offering ``service`` in ``area``: those that may be dispatched to in
    the rule's order first (DISPATCH-7), then the others (blacklisted, terminated, no agreement)
    by code."""
    if service and service not in Service.values:
        raise InvalidInput(f"服务类别“{service}”无效，应为：{'、'.join(Service.values)}。")
    area = None
    if area_code:
        area = Area.objects.filter(code=area_code).first()
        if area is None:
            raise InvalidInput(f"区域编码“{area_code}”不存在。")
    ranked: list[Franchisee] = []
    if service:
        ranked = [f for f, _c in franchisee_ranking(service=service, area=area)]
    seen = {f.pk for f in ranked}
    rest = []
    for f in (
        Franchisee.objects.select_related("unit").prefetch_related("areas").order_by("unit__code")
    ):
        if f.pk in seen or (service and service not in f.services):
            continue
        covered = list(f.areas.all())
        if area is not None and covered and not any(area.path.startswith(a.path) for a in covered):
            continue
        rest.append(f)
    return [_row(f) for f in [*ranked, *rest]]


def franchisees_published() -> QuerySet[Franchisee]:
    """Franchisees with their ratings as published on the portal (PUBLISH-2)."""
    return (
        Franchisee.objects.select_related("unit")
        .annotate(served=Count("orders", filter=Q(orders__state=MarketOrder.State.REPORTED)))
        .order_by("-recommended", "-credit", "unit__code")
    )


def decisions_published() -> QuerySet[CreditDecision]:
    return CreditDecision.objects.filter(published=True).select_related("franchisee__unit")[:50]


def volunteer_hours_report() -> list[dict[str, Any]]:
    """Hours served per volunteer and group (FRANCHISE-7)."""
    rows = (
        VolunteerService.objects.values("volunteer__name", "group")
        .annotate(hours=Sum("hours"), services=Count("id"))
        .order_by("volunteer__name", "group")
    )
    return [
        {
            "volunteer": r["volunteer__name"],
            "group": VolunteerService.Group(r["group"]).label,
            "hours": r["hours"] or Decimal("0"),
            "services": r["services"],
        }
        for r in rows
    ]
