from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from hotline.accounts.scope import unit_get_for_user, units_visible_to
from hotline.directory import selectors
from hotline.directory.models import Area, Unit

router = Router(tags=["directory"])


class LiaisonOut(Schema):
    name: str
    phone: str
    position: str
    is_primary: bool


class ResponsibilityOut(Schema):
    matter: str
    keywords: list[str]
    ticket_types: list[str]
    areas: list[str]
    basis: str


class UnitOut(Schema):
    code: str
    name: str
    short_name: str
    kind: str
    parent: str | None
    area: str | None
    active: bool
    joined: bool


class UnitDetailOut(UnitOut):
    liaisons: list[LiaisonOut]
    responsibilities: list[ResponsibilityOut]


class AreaOut(Schema):
    code: str
    name: str
    kind: str
    parent: str | None
    full_name: str
    aliases: list[str]


class UnitFilter(Schema):
    q: str | None = None
    kind: str | None = None


def _unit_out(unit: Unit) -> dict[str, object]:
    return {
        "code": unit.code,
        "name": unit.name,
        "short_name": unit.short_name,
        "kind": unit.kind,
        "parent": unit.parent.code if unit.parent else None,
        "area": unit.area.code if unit.area else None,
        "active": unit.active,
        "joined": unit.joined,
    }


@router.get("/units", response=list[UnitOut], summary="Units the caller may see")
@paginate(PageNumberPagination, page_size=50)
def unit_list(
    request: HttpRequest,
    filters: Query[UnitFilter],
) -> list[dict[str, object]]:
    units = selectors.unit_search(
        units_visible_to(request.user),  # type: ignore[arg-type]
        q=filters.q or "",
        kind=filters.kind or "",
    )
    return [_unit_out(u) for u in units.select_related("parent", "area")]


@router.get("/units/{code}", response=UnitDetailOut, summary="One unit with liaisons and duties")
def unit_detail(request: HttpRequest, code: str) -> dict[str, object]:
    unit = unit_get_for_user(request.user, code)  # type: ignore[arg-type]
    data = _unit_out(unit)
    data["liaisons"] = list(unit.liaisons.all())
    data["responsibilities"] = [
        {
            "matter": item.matter,
            "keywords": item.keywords,
            "ticket_types": item.ticket_types,
            "areas": [a.code for a in item.areas.all()],
            "basis": item.basis,
        }
        for item in unit.responsibilities.filter(active=True).prefetch_related("areas")
    ]
    return data


@router.get("/areas", response=list[AreaOut], summary="Gazetteer look-up by name or alias")
@paginate(PageNumberPagination, page_size=50)
def area_list(request: HttpRequest, q: str = "") -> list[dict[str, object]]:
    areas = selectors.area_search(Area.objects.select_related("parent__parent"), q=q)
    return [
        {
            "code": a.code,
            "name": a.name,
            "kind": a.kind,
            "parent": a.parent.code if a.parent else None,
            "full_name": a.full_name,
            "aliases": a.aliases,
        }
        for a in areas
    ]
