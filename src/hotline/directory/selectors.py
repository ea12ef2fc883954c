"""Reading the directory: searches by name, alias and code."""

from __future__ import annotations

from django.db.models import QuerySet

from hotline.directory.models import Area, Unit


def unit_search(units: QuerySet[Unit], *, q: str = "", kind: str = "") -> QuerySet[Unit]:
    """Return ``units`` whose name, short name or code contains ``q``, optionally of ``kind``."""
    if q.strip():
        units = units.filter(search_text__contains=q.strip().lower())
    if kind:
        units = units.filter(kind=kind)
    return units.order_by("path")


def area_search(areas: QuerySet[Area], *, q: str = "") -> QuerySet[Area]:
    """Return areas whose name, alias or code contains ``q`` (type-ahead of the gazetteer)."""
    if q.strip():
        areas = areas.filter(search_text__contains=q.strip().lower())
    return areas.order_by("path")
