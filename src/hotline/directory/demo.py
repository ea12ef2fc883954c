"""Loading the demo district (directory/demo/district.json) into the directory, idempotently."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db import transaction

from hotline.directory.models import Area, Liaison, ResponsibilityItem, Unit

if TYPE_CHECKING:
    from hotline.core.demo import DemoOptions

DISTRICT_FILE = Path(__file__).resolve().parent / "demo" / "district.json"


def _coord(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.000001"))


def _area(code: str, data: dict[str, Any], parent: Area | None) -> Area:
    area, _ = Area.objects.update_or_create(
        code=code,
        defaults={
            "name": data["name"],
            "kind": data["kind"],
            "parent": parent,
            "aliases": data.get("aliases", []),
            "latitude": _coord(data.get("lat")),
            "longitude": _coord(data.get("lng")),
        },
    )
    return area


@transaction.atomic
def directory_demo_load(path: Path = DISTRICT_FILE) -> dict[str, int]:
    """Create or update the demo gazetteer and units from ``path``; return counts.

    Matching is by code, so running it twice changes nothing; liaisons and responsibility
    items of demo units are replaced by the file's.
    """
    data = json.loads(path.read_text(encoding="utf-8"))
    district = _area(data["district"]["code"], {**data["district"], "kind": "district"}, None)
    areas = {district.code: district}
    for sub in data["areas"]:
        parent = _area(sub["code"], sub, district)
        areas[parent.code] = parent
        for child in sub.get("children", []):
            areas[child["code"]] = _area(child["code"], child, parent)

    centre, _ = Unit.objects.update_or_create(
        code=data["centre"]["code"],
        defaults={
            "name": data["centre"]["name"],
            "short_name": data["centre"].get("short_name", ""),
            "kind": Unit.Kind.CENTRE,
            "parent": None,
            "area": district,
            "joined": True,
        },
    )
    units = {centre.code: centre}
    pending = list(data["units"])
    # Parents come before children; loop until every unit is placed.
    while pending:
        remaining = []
        for item in pending:
            parent_code = item.get("parent")
            if parent_code and parent_code not in units:
                remaining.append(item)
                continue
            unit, _ = Unit.objects.update_or_create(
                code=item["code"],
                defaults={
                    "name": item["name"],
                    "short_name": item.get("short_name", ""),
                    "kind": item["kind"],
                    "parent": units.get(parent_code) if parent_code else None,
                    "area": areas.get(item["area"]) if item.get("area") else None,
                    "joined": item.get("joined", True),
                    "active": True,
                },
            )
            units[unit.code] = unit
            unit.liaisons.all().delete()
            Liaison.objects.bulk_create(
                Liaison(unit=unit, name=li["name"], phone=li["phone"], is_primary=(i == 0))
                for i, li in enumerate(item.get("liaisons", []))
            )
            unit.responsibilities.all().delete()
            for resp in item.get("responsibilities", []):
                row = ResponsibilityItem.objects.create(
                    unit=unit,
                    matter=resp["matter"],
                    keywords=resp.get("keywords", []),
                    ticket_types=resp.get("ticket_types", []),
                )
                if resp.get("areas"):
                    row.areas.set([areas[code] for code in resp["areas"]])
        if len(remaining) == len(pending):
            missing = sorted({str(i.get("parent")) for i in remaining})
            raise ValueError(f"demo units refer to unknown parents: {', '.join(missing)}")
        pending = remaining
    return {
        "areas": len(areas),
        "units": len(units),
        "liaisons": Liaison.objects.filter(unit__in=units.values()).count(),
        "responsibilities": ResponsibilityItem.objects.filter(unit__in=units.values()).count(),
    }


def directory_demo(options: DemoOptions) -> list[str]:
    """The directory's demo loader (``DirectoryConfig.demo_loader``)."""
    counts = directory_demo_load()
    return [
        f"Directory: {counts['areas']} areas, {counts['units']} units, "
        f"{counts['liaisons']} liaisons, {counts['responsibilities']} responsibility items."
    ]
